"""A fake Reddit (listings in Reddit's JSON format, the OAuth token endpoint)
and a fake image host, on 127.0.0.1, for the imgscrape tests.

usage: server.py DIR [CERT KEY]

DIR holds the images (a.jpg, b.png, ...).  A subreddit with a file DIR/r/NAME.json
(a list of pages, each a list of posts {"id", "title", "images": [file, ...]};
two or more images make a gallery) is served from it instead (make demo).  Three servers start on free ports:
the API, the image host, and (with CERT and KEY) the image host over TLS.
Their ports go to DIR/ports ("api img tls", written last, when all listen);
every request is logged to DIR/log as one JSON object per line.
"""
import base64
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DIR = sys.argv[1]
LOG = open(os.path.join(DIR, "log"), "a", buffering=1)
LOCK = threading.RLock()
COUNT = {}
PORTS = {}
CLIENT = ("test-client", "s3cret-value")
TOKENS = {"tok-first-0001": 1, "tok-second-0002": 10 ** 9}  # uses allowed


def img(name):
    return "http://127.0.0.1:%d/img/%s" % (PORTS["img"], name)


def post(pid, **kw):
    d = {"id": pid, "name": "t3_" + pid, "subreddit": kw.pop("subreddit", "cars"),
         "author": "driver", "title": "Post " + pid, "created_utc": 1700000000.0 + len(pid),
         "permalink": "/r/cars/comments/%s/post/" % pid, "over_18": False, "is_self": False,
         "is_video": False, "domain": "127.0.0.1"}
    d.update(kw)
    return {"kind": "t3", "data": d}


def listing(children, after):
    return {"kind": "Listing", "data": {"after": after, "dist": len(children),
                                        "children": children, "before": None}}


def gallery(pid, items, **kw):
    meta, order = {}, []
    for mid, name, status in items:
        order.append({"media_id": mid, "id": len(order) + 1})
        m = {"status": status, "e": "Image", "m": "image/jpeg"}
        if status == "valid":
            m["s"] = {"u": img(name) + "?a=1&amp;b=2", "x": 64, "y": 48}
        meta[mid] = m
    return post(pid, is_gallery=True, url="https://www.reddit.com/gallery/" + pid,
                gallery_data={"items": order}, media_metadata=meta, **kw)


def site_pages(sub, pages):
    out = []
    for page in pages:
        kids = []
        for p in page:
            kw = dict(subreddit=sub, title=p.get("title", "Post " + p["id"]),
                      permalink="/r/%s/comments/%s/post/" % (sub, p["id"]))
            if len(p["images"]) == 1:
                kids.append(post(p["id"], url=img(p["images"][0]), **kw))
            else:
                kids.append(gallery(p["id"], [("m%d" % i, n, "valid") for i, n in enumerate(p["images"])], **kw))
        out.append(kids)
    return out


def cars_pages():
    p1 = [
        post("aaa111", url=img("a.jpg")),
        gallery("gal222", [("m1", "b.png", "valid"), ("m2", "x.jpg", "failed"), ("m3", "c.jpg", "valid")]),
        post("self33", is_self=True, url="https://www.reddit.com/r/cars/comments/self33/"),
        post("vid444", is_video=True, domain="v.redd.it", url="https://v.redd.it/vid444"),
        post("del555", author="[deleted]", removed_by_category="deleted", url=img("a.jpg")),
        post("nsfw66", over_18=True, url=img("d.jpg")),
        {"kind": "t1", "data": {"id": "comment1", "body": "a comment"}},
    ]
    p2 = [
        post("xpo777", url="https://www.reddit.com/r/cars/comments/orig/",
             crosspost_parent_list=[{"id": "orig", "url": img("e.jpg"), "is_self": False,
                                     "is_video": False}]),
        post("pre888", url="http://127.0.0.1:%d/article.html" % PORTS["img"],
             preview={"images": [{"source": {"url": img("f.png") + "?w=1&amp;s=abc",
                                             "width": 40, "height": 30}}]}),
        post("imgr99", url="http://127.0.0.1:%d/imgur/gone.jpg" % PORTS["img"]),
        post("html10", url=img("page.jpg")),
        post("dup011", url=img("a-copy.jpg")),
        post("../../../etc/evil", title="tab\there\nnewline \\ back", url=img("g.jpg")),
    ]
    return [p1, p2]


def generic_pages(sub):
    names = ["d.jpg", "e.jpg", "g.jpg"] if "tank" in sub else ["a.jpg", "b.png", "c.jpg"]
    return [[post("%s%d" % (sub[:4], i), subreddit=sub, url=img(n)) for i, n in enumerate(names[:2])],
            [post("%s%d" % (sub[:4], 2), subreddit=sub, url=img(names[2]))]]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def log(self, status, **extra):
        role = self.server.role
        rec = {"t": time.time(), "role": role, "method": self.command, "path": self.path,
               "status": status, "ua": self.headers.get("User-Agent", ""),
               "auth": self.headers.get("Authorization", "")}
        rec.update(extra)
        with LOCK:
            LOG.write(json.dumps(rec) + "\n")

    def count(self, key):
        with LOCK:
            COUNT[key] = COUNT.get(key, 0) + 1
            return COUNT[key]

    def send(self, status, body=b"", ctype="application/json", headers=()):
        self.log(status)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def redirect(self, where):
        self.send(302, b"", "text/plain", [("Location", where)])

    def send_json(self, obj, headers=()):
        self.send(200, json.dumps(obj).encode(), headers=headers)

    # ---- the API ----
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode()
        if self.path != "/api/v1/access_token":
            return self.send(404)
        auth = self.headers.get("Authorization", "")
        want = "Basic " + base64.b64encode(("%s:%s" % CLIENT).encode()).decode()
        if auth != want or parse_qs(body).get("grant_type") != ["client_credentials"]:
            return self.send(401, b'{"error": "invalid_grant"}')
        k = self.count("token")
        tok = "tok-first-0001" if k == 1 else "tok-second-0002"
        self.send_json({"access_token": tok, "token_type": "bearer", "expires_in": 3600,
                        "scope": "*"})

    def api(self, u, q):
        path = u.path
        oauth = not path.endswith(".json")
        if oauth:
            auth = self.headers.get("Authorization", "")
            tok = auth[len("bearer "):] if auth.startswith("bearer ") else ""
            with LOCK:
                ok = TOKENS.get(tok, 0) > 0
                if ok:
                    TOKENS[tok] -= 1
            if not ok:
                return self.send(401, b'{"message": "Unauthorized", "error": 401}')
        else:
            path = path[:-len(".json")]
        if q.get("raw_json") != ["1"] or q.get("limit") != ["100"]:
            return self.send(400, b'{"error": "wants raw_json=1 and limit=100"}')
        parts = path.strip("/").split("/")
        rl = [("x-ratelimit-remaining", "90"), ("x-ratelimit-used", "10"),
              ("x-ratelimit-reset", "30")]
        after = q.get("after", [None])[0]
        page = int(after.split("_p")[-1]) if after else 0
        if parts[-1] == "search":
            sub = parts[1] if parts[0] == "r" else "all"
            qq = q.get("q", [""])[0]
            ok = (sub == "all") or q.get("restrict_sr") == ["1"]
            kids = [post("srch1", subreddit=sub, title="found " + qq, url=img("c.jpg"))] if ok else []
            return self.send_json(listing(kids, None), rl)
        if parts[0] == "r" and len(parts) == 3:
            sub, sort = parts[1], parts[2]
            if sub == "bad":
                return self.send(200, b'{"kind": "Listing", "data": {"children": [', headers=rl)
            if sub == "wrongtype":
                return self.send_json({"kind": "Listing", "data": {"children": "nope"}}, rl)
            if sub == "gone":
                return self.send(404, b'{"error": 404}')
            if sub == "slowdown" and self.count("slowdown") == 1:
                return self.send(429, b'{"error": 429}', headers=[("Retry-After", "1")] + rl)
            if sub == "quota" and page == 0:
                rl = [("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "1")]
            if sub == "big":
                kids = [post("big%d_%d" % (page, i), is_self=True) for i in range(100)]
                return self.send_json(listing(kids, "t3_p%d" % (page + 1) if page < 9 else None), rl)
            site = os.path.join(DIR, "r", os.path.basename(sub) + ".json")
            if os.path.isfile(site):
                with open(site) as f:
                    pages = site_pages(sub, json.load(f))
            elif sub in ("cars", "quota", "slowdown"):
                pages = cars_pages()
            else:
                pages = generic_pages(sub)
            if sort == "top":
                pages = [[post("top%s" % q.get("t", ["none"])[0], url=img("a.jpg"))]]
            if page >= len(pages):
                return self.send_json(listing([], None), rl)
            nxt = "t3_p%d" % (page + 1) if page + 1 < len(pages) else None
            return self.send_json(listing(pages[page], nxt), rl)
        if parts[:1] == ["user"] and parts[2:] == ["submitted"]:
            return self.send_json(listing([post("usr1", subreddit="pics", author=parts[1],
                                                url=img("b.png"))], None), rl)
        return self.send(404, b'{"error": 404}')

    # ---- the image host ----
    def image(self, u):
        p = u.path
        if p.startswith("/img/"):
            name = p[len("/img/"):]
            if name == "page.jpg":
                return self.send(200, b"<!doctype html><html><body>not an image</body></html>",
                                 "image/jpeg")
            if name == "a-copy.jpg":
                name = "a.jpg"
            f = os.path.join(DIR, os.path.basename(name))
            if not os.path.isfile(f):
                return self.send(404, b"not found", "text/plain")
            return self.send(200, open(f, "rb").read(), "image/jpeg")
        if p.startswith("/hold/"):    # a slow image: how many transfers at once?
            with LOCK:
                COUNT["active"] = COUNT.get("active", 0) + 1
                self.log(0, active=COUNT["active"])
            time.sleep(0.3)
            with LOCK:
                COUNT["active"] -= 1
            return self.send(200, open(os.path.join(DIR, "c.jpg"), "rb").read(), "image/jpeg")
        if p == "/article.html":
            return self.send(200, b"<html>an article</html>", "text/html")
        if p.startswith("/imgur/"):
            return self.redirect("/removed.png")
        if p == "/removed.png":
            return self.send(200, open(os.path.join(DIR, "b.png"), "rb").read(), "image/png")
        if p == "/to-file":
            return self.redirect("file:///etc/passwd")
        if p == "/to-ftp":
            return self.redirect("ftp://127.0.0.1:%d/a.jpg" % PORTS["img"])
        if p == "/loop":
            return self.redirect("/loop2")
        if p == "/loop2":
            return self.redirect("/loop")
        if p == "/hop":
            return self.redirect("/img/c.jpg")
        if p == "/missing.jpg":
            return self.send(404, b"gone", "text/plain")
        if p == "/flaky.jpg":
            if self.count("flaky") == 1:
                return self.send(500, b"oops", "text/plain")
            return self.send(200, open(os.path.join(DIR, "d.jpg"), "rb").read(), "image/jpeg")
        if p == "/busy.jpg":
            if self.count("busy") == 1:
                return self.send(429, b"slow down", "text/plain", [("Retry-After", "1")])
            return self.send(200, open(os.path.join(DIR, "e.jpg"), "rb").read(), "image/jpeg")
        if p == "/huge.jpg":       # announces a terabyte, sends a little
            self.log(200)
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(10 ** 12))
            self.end_headers()
            self.wfile.write(b"\xff\xd8\xff" + b"\0" * 1000)
            self.close_connection = True
            return
        if p in ("/endless.jpg", "/chunked.jpg"):
            # no Content-Length (closed by the server) or chunked: bytes until the client leaves
            self.log(200)
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            chunked = p == "/chunked.jpg"
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            block = b"\xff\xd8\xff" + b"\0" * 65533
            try:
                for _ in range(100000):
                    if chunked:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
                    else:
                        self.wfile.write(block)
            except OSError:
                pass
            return
        if p == "/slow.jpg":       # one byte a second, forever
            self.log(200)
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.close_connection = True
            try:
                for _ in range(600):
                    self.wfile.write(b"\xff")
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                pass
            return
        return self.send(404, b"not found", "text/plain")

    def do_GET(self):
        u = urlsplit(self.path)
        if self.server.role == "api":
            return self.api(u, parse_qs(u.query))
        return self.image(u)


def serve(role, tls=None):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.role = role
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*tls)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    PORTS[role] = srv.server_address[1]
    threading.Thread(target=srv.serve_forever, daemon=True).start()


serve("api")
serve("img")
if len(sys.argv) > 3:
    serve("tls", (sys.argv[2], sys.argv[3]))
tmp = os.path.join(DIR, "ports.tmp")
with open(tmp, "w") as f:
    f.write("%d %d %d\n" % (PORTS["api"], PORTS["img"], PORTS.get("tls", 0)))
os.rename(tmp, os.path.join(DIR, "ports"))
while True:
    time.sleep(3600)
