# A chat receiver: every POST body saved as a file, answered 200.
import http.server, sys, os, itertools, threading
out = sys.argv[2]; os.makedirs(out, exist_ok=True)
n = itertools.count()
lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        with lock: i = next(n)
        open(f"{out}/{i:06d}.json", "wb").write(body)
        self.send_response(200); self.send_header('Content-Length', '0'); self.end_headers()
    def log_message(self, *a): pass
class S(http.server.ThreadingHTTPServer):
    request_queue_size = 256
    daemon_threads = True
S(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
