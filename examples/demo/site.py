"""make demo: the content of the local Reddit (tests/scrape/server.py) from
folders of JPEGs that imgcat --export wrote, one per subreddit.

usage: site.py SITE SUB=DIR ...

Copies the images into SITE, and writes SITE/r/SUB.json: pages of 100 posts,
every 10th post a gallery of 3 images, and reposts: every 15th image again
as the same bytes (an exact duplicate, which imgscrape drops) and every 8th
resized to 64x64 and re-encoded (a near duplicate, for imgdedup).
Deterministic: the same folders give the same site, byte for byte.
"""
import json
import os
import shutil
import subprocess
import sys

site = sys.argv[1]
os.makedirs(os.path.join(site, "r"), exist_ok=True)
for arg in sys.argv[2:]:
    sub, src = arg.split("=", 1)
    with open(os.path.join(src, "index.tsv")) as f:
        files = [line.split("\t")[0] for line in f.read().splitlines()[1:]]
    images = []
    for i, name in enumerate(files):
        mine = "%s-%04d.jpg" % (sub, i)
        shutil.copyfile(os.path.join(src, name), os.path.join(site, mine))
        images.append(mine)
        if i % 15 == 7:
            images.append("%s-%04d-copy.jpg" % (sub, i))
            shutil.copyfile(os.path.join(site, mine), os.path.join(site, images[-1]))
        if i % 8 == 3:
            images.append("%s-%04d-repost.jpg" % (sub, i))
            subprocess.run(["/usr/bin/convert", os.path.join(site, mine), "-strip", "-resize", "64x64!",
                            "-quality", "70", os.path.join(site, images[-1])], check=True)
    posts, k = [], 0
    while k < len(images):
        n = 3 if len(posts) % 10 == 9 else 1
        posts.append({"id": "%s%04d" % (sub[:2], len(posts)), "title": "my %s #%d" % (sub, len(posts)),
                      "images": images[k:k + n]})
        k += n
    pages = [posts[i:i + 100] for i in range(0, len(posts), 100)]
    with open(os.path.join(site, "r", sub + ".json"), "w") as f:
        json.dump(pages, f, indent=0)
