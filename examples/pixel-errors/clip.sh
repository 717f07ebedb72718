#!/bin/sh
# clip.sh FRAMES SCENES OUT: a video clip of 630x378 frames (10 x 6 tiles of 63x63) at 25 fps,
# FRAMES frames per scene, each scene a slow pan across a photo (see the file SCENES),
# encoded with x264 as a film would be.
set -e
frames=$1 scenes=$2 out=$3
share=${SHARE:-/usr/share}
inputs= graph= labels= i=0
while read -r photo width x0 y0 x1 y1; do
	case $photo in '#'* | '') continue ;; esac
	inputs="$inputs -loop 1 -framerate 25 -i $share/$photo"
	# the window's corner moves linearly from (x0, y0) to (x1, y1) over the scene
	x="(iw-630)*($x0+($x1-$x0)*n/$((frames - 1)))"
	y="(ih-378)*($y0+($y1-$y0)*n/$((frames - 1)))"
	graph="$graph[$i:v]scale=$width:-2:flags=area,crop=630:378:x='$x':y='$y',trim=end_frame=$frames,setpts=PTS-STARTPTS,setsar=1,format=yuv420p[v$i];"
	labels="$labels[v$i]"
	i=$((i + 1))
done < "$scenes"
eval ffmpeg -nostdin -loglevel error -y $inputs -filter_complex "\"${graph}${labels}concat=n=$i:v=1:a=0[out]\"" \
	-map '[out]' -c:v libx264 -preset veryfast -crf 20 -threads 2 -pix_fmt yuv420p "$out"
