"""dragoman-node: the node's health endpoint, supervised by daemontools.

GET /health answers 200 "ok <version>" while the node's configuration is readable; anything
else is 404. Logs one line per request on stderr (multilog keeps them).
"""

import argparse
import http.server
import os
import sys

from dragoman_node import CONFIG_FILE, __version__


class Health(http.server.BaseHTTPRequestHandler):
    config_file = CONFIG_FILE

    def do_GET(self):
        if self.path != "/health":
            self.send_error(404)
            return
        healthy = os.access(self.config_file, os.R_OK)
        body = ("ok %s\n" % __version__) if healthy else ("no readable %s\n" % self.config_file)
        self.send_response(200 if healthy else 503)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="dragoman-node", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--bind", default="0.0.0.0")
    parser.add_argument("--config", default=CONFIG_FILE)
    args = parser.parse_args(argv)
    Health.config_file = args.config
    server = http.server.ThreadingHTTPServer((args.bind, args.port), Health)
    sys.stderr.write("dragoman-node %s: health on %s:%d\n" % (__version__, args.bind, args.port))
    sys.stderr.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
