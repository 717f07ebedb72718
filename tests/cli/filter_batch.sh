# The parallel filter loop (libcommon/pipeline/filter.c) hands records to its worker threads in
# batches: many small records, with bad ones inside batches, must come out in input order, with the
# same bytes and the same skip lines whatever the thread count, and a skip line found by the
# reader (an undecodable file) must come after those of the records read before it.
. tests/lib.sh
IM=/usr/bin/convert
LC_ALL=C
export LC_ALL
cd "$T"

# 120 small images, every seventh 8x8 (too small for the 12x12 crop: skipped by the worker)
mkdir -p img
i=0
while [ $i -lt 120 ]; do
	n=$(printf '%03d' $i)
	s=16x16
	[ $((i % 7)) -eq 3 ] && s=8x8
	$IM -size $s "xc:rgb($((i * 2)),$((255 - i)),$((i % 50 * 5)))" -depth 8 -type TrueColor PNG24:img/$n.png
	i=$((i + 1))
done
imgcat --decode img > many.tsr
for t in 1 2 3; do
	imgaug --seed 5 --threads $t 'crop 12x12' 'noise 2..10' many.tsr > o$t.tsr 2> e$t.txt
	echo $? > s$t.txt
done
eq "bad records inside batches: exit 1" "$(cat s2.txt)" 1
eq "one skip line per small image" "$(grep -c 'record [0-9]* (id img/[0-9]*\.png): crop' e2.txt)" 17
same "many small records: --threads 1 and 2 give the same bytes" o1.tsr o2.tsr
same "many small records: --threads 1 and 3 give the same bytes" o1.tsr o3.tsr
same "many small records: --threads 1 and 2 give the same skip lines, in order" e1.txt e2.txt
eq "records in input order" "$(imgcat -l o2.tsr | cut -f1 | sed 's/@aug1$//' | tr '\n' ' ')" \
	"$(imgcat -l many.tsr | cut -f1 | grep -v -E '/(003|010|017|024|031|038|045|052|059|066|073|080|087|094|101|108|115)\.png$' | tr '\n' ' ')"

# --max-errors inside a batch: the records before the stop, the same lines, whatever the threads
for t in 1 2; do
	imgaug --seed 5 --threads $t --max-errors 4 'crop 12x12' many.tsr > m$t.tsr 2> me$t.txt
	echo $? > ms$t.txt
done
eq "--max-errors 4 inside a batch: exit 1" "$(cat ms2.txt)" 1
same "--max-errors 4: --threads 1 and 2 write the same records" m1.tsr m2.tsr
same "--max-errors 4: --threads 1 and 2 give the same lines" me1.txt me2.txt

# Files read one by one: a corrupt file (skipped by the reader) right after a small image (skipped
# by a worker, later): the skip lines keep the order of the files
cp -r img dir
for n in 004 011 018 025 032 039 046 053 060; do printf 'not a png' > dir/$n.png; done
for t in 1 2; do
	imgaug --seed 5 --threads $t 'crop 12x12' dir > d$t.tsr 2> de$t.txt
done
same "skip lines of the reader and of the workers in file order (--threads 2)" de1.txt de2.txt
same "files: --threads 1 and 2 give the same bytes" d1.tsr d2.tsr

# A slow producer on a pipe: the records it gave go out (here as files of --preview) before it
# writes more; batches do not wait for records that have not come (nor did single records
# wait for the next one to be handed over).  Two streams one after the other are one input.
imgcat --head 3 many.tsr > three.tsr
(
	cat three.tsr
	i=0
	while [ $i -lt 300 ] && [ "$(ls pv 2>/dev/null | grep -c 'png$')" -lt 3 ]; do sleep 0.1; i=$((i + 1)); done
	ls pv | grep -c 'png$' > when
	cat three.tsr
) | imgaug --threads 2 --seed 1 --preview pv 'hflip'
eq "a slow producer on a pipe (--threads 2): its 3 records go out before it writes more" "$(cat when)" 3
eq "... and then the other 3" "$(ls pv | grep -c 'png$')" 6
done_tests
