"""make demo: the content of the local Reddit (tests/scrape/server.py) from
folders of JPEGs that imgcat --export wrote, one per subreddit.

usage: site.py SITE [--gallery N] SUB=DIR ...

Copies the images into SITE, and writes SITE/r/SUB.json: pages of 100 posts,
every 10th post a gallery of 3 images, and reposts: every 15th image again
as the same bytes (an exact duplicate, which imgscrape drops) and every 8th
resized to 64x64 and re-encoded (a near duplicate, for imgdedup).
With --gallery N, the subreddits after it are posted instead as galleries of
N images, the images of DIR in their order (the last gallery may be smaller;
one image is a plain post), each followed by its reposts as posts of their own:
so the tiles or shots of one photo that lie together in DIR stay in one post.
Deterministic: the same folders give the same site, byte for byte.
"""
import json
import os
import shutil
import subprocess
import sys

site = sys.argv[1]
os.makedirs(os.path.join(site, "r"), exist_ok=True)
gallery = 0
args = sys.argv[2:]
while args:
    arg = args.pop(0)
    if arg == "--gallery":
        gallery = int(args.pop(0))
        continue
    sub, src = arg.split("=", 1)
    with open(os.path.join(src, "index.tsv")) as f:
        files = [line.split("\t")[0] for line in f.read().splitlines()[1:]]
    shots = []  # per image of DIR: its name in SITE, then its reposts
    for i, name in enumerate(files):
        mine = "%s-%04d.jpg" % (sub, i)
        shutil.copyfile(os.path.join(src, name), os.path.join(site, mine))
        shots.append([mine])
        if i % 15 == 7:
            shots[-1].append("%s-%04d-copy.jpg" % (sub, i))
            shutil.copyfile(os.path.join(site, mine), os.path.join(site, shots[-1][-1]))
        if i % 8 == 3:
            shots[-1].append("%s-%04d-repost.jpg" % (sub, i))
            subprocess.run(["/usr/bin/convert", os.path.join(site, mine), "-strip", "-resize", "64x64!",
                            "-quality", "70", os.path.join(site, shots[-1][-1])], check=True)
    groups = []  # the images of each post
    if gallery:
        for k in range(0, len(shots), gallery):
            groups.append([s[0] for s in shots[k:k + gallery]])
            groups.extend([r] for s in shots[k:k + gallery] for r in s[1:])
    else:
        images = [name for s in shots for name in s]
        k = 0
        while k < len(images):
            n = 3 if len(groups) % 10 == 9 else 1
            groups.append(images[k:k + n])
            k += n
    posts = [{"id": "%s%04d" % (sub[:2], j), "title": "my %s #%d" % (sub, j), "images": g}
             for j, g in enumerate(groups)]
    pages = [posts[i:i + 100] for i in range(0, len(posts), 100)]
    with open(os.path.join(site, "r", sub + ".json"), "w") as f:
        json.dump(pages, f, indent=0)
