"""A real SMTP server for the reminder tests, on a free local port: enough of
RFC 5321 for smtplib (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, QUIT). The
standard library's smtpd is gone from Python 3.12; aiosmtpd would be one more
dependency for ~50 lines."""
from __future__ import annotations

import base64
import socketserver
import threading


class _Session(socketserver.StreamRequestHandler):
    def _reply(self, text: str) -> None:
        self.wfile.write(text.encode("ascii") + b"\r\n")

    def handle(self):
        server = self.server
        self._reply("220 masklog-test ESMTP")
        sender, recipients = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-masklog-test\r\n250-8BITMIME\r\n250-AUTH PLAIN\r\n250 OK\r\n")
            elif verb == "HELO":
                self._reply("250 OK")
            elif verb == "AUTH":
                _plain, _sp, token = command[5:].partition(" ")
                server.logins.append(base64.b64decode(token).split(b"\0")[1:])
                self._reply("235 Authentication successful")
            elif command.upper().startswith("MAIL FROM:"):
                sender, recipients = command[10:].strip().strip("<>").split(">")[0], []
                self._reply("250 OK")
            elif command.upper().startswith("RCPT TO:"):
                recipients.append(command[8:].strip().strip("<>").split(">")[0])
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                data = []
                while True:
                    chunk = self.rfile.readline()
                    if chunk in (b".\r\n", b""):
                        break
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                server.messages.append((sender, list(recipients), b"".join(data)))
                self._reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("502 Command not implemented")


class LocalSMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Session)
        self.messages: list = []
        self.logins: list = []
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
