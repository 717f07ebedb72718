#!/usr/bin/python3
"""html_check.py: checks on the page that cnneval --html writes, for tests/cli/cnneval_html.sh.

    html_check.py resources PAGE      every src, href and url() is a data: URI (or a
                                      #fragment); prints the others, exits 1 on any
    html_check.py probe PAGE OUT      OUT: the page, its Content-Security-Policy left out,
                                      with a script that writes the box of every figure
                                      and thumbnail, once loaded, into <pre id="boxes">
    html_check.py boxes DOM SHOT      reads those boxes from the DOM that chromium
                                      --dump-dom printed and measures each in the
                                      screenshot: one line per box,
                                      KIND NAME WxH natural=N ink=F rgb=R,G,B
                                      (ink: the share of pixels that are not the white
                                      page; rgb: the mean colour of a patch at the
                                      middle of its left edge, inside its border)
"""
import html
import html.parser
import re
import sys

from PIL import Image

PROBE = """<script>
addEventListener('load', function () {
  var out = [];
  document.querySelectorAll('figure.plot img, figure.thumb img').forEach(function (im) {
    var r = im.getBoundingClientRect(), f = im.closest('figure');
    var name = f.id || f.querySelector('.id').textContent;
    out.push([f.className, name, Math.round(r.left + scrollX), Math.round(r.top + scrollY),
              Math.round(r.width), Math.round(r.height), im.naturalWidth].join('\\t'));
  });
  var p = document.createElement('pre');
  p.id = 'boxes';
  p.textContent = out.join('\\n');
  document.body.appendChild(p);
});
</script>"""


class Refs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.bad = []
        self.style = False

    def handle_starttag(self, tag, attrs):
        self.style = tag == "style"
        for k, v in attrs:
            if v is None:
                continue
            if k in ("src", "href", "poster", "srcset", "action", "data", "background"):
                if not (v.startswith("data:") or v.startswith("#")):
                    self.bad.append("<%s %s=%s>" % (tag, k, v[:80]))
            if k == "style":
                self.urls(tag, v)

    def handle_endtag(self, tag):
        self.style = False

    def handle_data(self, data):
        if self.style:
            self.urls("style", data)

    def urls(self, where, text):
        for u in re.findall(r"url\(\s*['\"]?([^'\")]*)", text):
            if not u.startswith("data:"):
                self.bad.append("%s url(%s)" % (where, u[:80]))
        for u in re.findall(r"@import\s+['\"]?([^'\"; ]*)", text):
            self.bad.append("%s @import %s" % (where, u[:80]))


def resources(page):
    p = Refs()
    p.feed(open(page, encoding="utf-8").read())
    for b in p.bad:
        print(b)
    return 1 if p.bad else 0


def probe(page, out):
    text = open(page, encoding="utf-8").read()
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
    text = text.replace("</body>", PROBE + "</body>")
    open(out, "w", encoding="utf-8").write(text)
    return 0


def boxes(dom, shot):
    m = re.search(r'<pre id="boxes">(.*?)</pre>', open(dom, encoding="utf-8").read(), re.S)
    if m is None:
        print("no boxes in the DOM")
        return 1
    im = Image.open(shot).convert("RGB")
    W, H = im.size
    for line in html.unescape(m.group(1)).splitlines():
        kind, name, x, y, w, h, natural = line.split("\t")
        x, y, w, h = int(x), int(y), int(w), int(h)
        box = im.crop((max(x + 2, 0), max(y + 2, 0), min(x + w - 2, W), min(y + h - 2, H)))
        px = list(box.getdata())
        ink = sum(1 for p in px if p != (255, 255, 255)) / max(len(px), 1)
        bw, bh = box.size
        corner = box.crop((bw // 16, bh * 7 // 16, max(bw * 3 // 16, bw // 16 + 1),
                           max(bh * 9 // 16, bh * 7 // 16 + 1)))
        cp = list(corner.getdata())
        rgb = [round(sum(p[i] for p in cp) / max(len(cp), 1)) for i in range(3)]
        print("%s %s %dx%d natural=%s ink=%.3f rgb=%d,%d,%d" %
              (kind.split()[-1], name.replace(" ", "_"), w, h, natural, ink, *rgb))
    return 0


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "resources":
        sys.exit(resources(sys.argv[2]))
    if cmd == "probe":
        sys.exit(probe(sys.argv[2], sys.argv[3]))
    if cmd == "boxes":
        sys.exit(boxes(sys.argv[2], sys.argv[3]))
    sys.exit("usage: html_check.py resources PAGE | probe PAGE OUT | boxes DOM SHOT")
