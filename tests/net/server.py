# A file server on 127.0.0.1 for URL operands (tests/cli/urls.sh).
# Usage: server.py DIR: serves DIR's files at /NAME, writes its port to DIR/port
# when it listens, and these on top:
#   /cut/NAME      the first half of NAME under the Content-Length of all of it
#   /long/NAME     all of NAME under a Content-Length 100 bytes longer
#   /flaky/NAME    503 for the first request to each such path, then NAME
#   /tofile        302 to file:///etc/passwd
#   /tohttp/NAME   302 to /NAME
# Every request is logged as "METHOD PATH STATUS" to DIR/log.
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

root = sys.argv[1]
seen = set()


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def log(self, status):
        with open(os.path.join(root, "log"), "a") as f:
            f.write("%s %s %d\n" % (self.command, self.path, status))

    def send(self, status, body=b"", length=None, headers=()):
        self.log(status)
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            pass
        self.close_connection = True

    def file(self, name):
        p = os.path.join(root, os.path.basename(name))
        if not os.path.isfile(p):
            return None
        with open(p, "rb") as f:
            return f.read()

    def do_GET(self):
        parts = self.path.lstrip("/").split("/", 1)
        kind, name = (parts[0], parts[1]) if len(parts) == 2 else ("", parts[0])
        if self.path == "/tofile":
            return self.send(302, headers=[("Location", "file:///etc/passwd")])
        if kind == "tohttp":
            return self.send(302, headers=[("Location", "/" + name)])
        if kind == "flaky" and self.path not in seen:
            seen.add(self.path)
            return self.send(503, b"try again")
        body = self.file(name)
        if body is None:
            return self.send(404, b"not found")
        if kind == "cut":
            return self.send(200, body[: len(body) // 2], length=len(body))
        if kind == "long":
            return self.send(200, body, length=len(body) + 100)
        return self.send(200, body)


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(os.path.join(root, "port.tmp"), "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(os.path.join(root, "port.tmp"), os.path.join(root, "port"))
srv.serve_forever()
