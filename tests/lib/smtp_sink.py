"""An SMTP server for tests (aiosmtpd, Debian's python3-aiosmtpd) that saves what it receives.

    python3 tests/lib/smtp_sink.py --listen 127.0.0.1:0 --dir DIR [--auth USER:PASSWORD]

Prints "listening on HOST:PORT" once it accepts connections.  Every message
becomes DIR/NNNN.json, written whole (a temporary file renamed):
  {mail_from, rcpt_tos, auth_user, raw, headers: {name: decoded value},
   subject (RFC 2047 decoded), content_type, parts: [{content_type, charset, text}],
   text, html}
With --auth, AUTH PLAIN/LOGIN is offered without TLS and required before MAIL.
SIGTERM ends it.
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import sys
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Saver:
    def __init__(self, outdir):
        self.outdir = outdir
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode('utf-8', 'surrogateescape')
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        parts = []
        for part in msg.walk():
            if part.is_multipart():
                continue
            try:
                body = part.get_content()
            except Exception as err:  # keep what can be kept
                body = f'<undecodable: {err}>'
            parts.append({
                'content_type': part.get_content_type(),
                'charset': part.get_content_charset(),
                'transfer_encoding': part.get('Content-Transfer-Encoding'),
                'text': body if isinstance(body, str) else body.decode('utf-8', 'replace'),
            })
        text = next((p['text'] for p in parts if p['content_type'] == 'text/plain'), None)
        html = next((p['text'] for p in parts if p['content_type'] == 'text/html'), None)
        auth = session.auth_data
        if isinstance(auth, LoginPassword):
            auth_user = auth.login.decode('utf-8', 'replace')
        else:
            auth_user = None
        record = {
            'mail_from': envelope.mail_from,
            'rcpt_tos': envelope.rcpt_tos,
            'auth_user': auth_user,
            'raw': raw.decode('utf-8', 'replace'),
            'headers': {k: str(v) for k, v in msg.items()},
            'subject': str(msg['subject']) if msg['subject'] is not None else None,
            'content_type': msg.get_content_type(),
            'parts': parts,
            'text': text,
            'html': html,
        }
        self.count += 1
        name = os.path.join(self.outdir, f'{time.time_ns():020d}-{os.getpid()}-{self.count:04d}.json')
        with open(name + '.tmp', 'w', encoding='utf-8') as f:
            json.dump(record, f)
        os.rename(name + '.tmp', name)
        return '250 OK message saved'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--listen', default='127.0.0.1:0')
    ap.add_argument('--dir', required=True)
    ap.add_argument('--auth', default='')
    args = ap.parse_args()
    host, _, port = args.listen.rpartition(':')
    user, _, password = args.auth.partition(':')

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == user and auth_data.password.decode() == password)
        return AuthResult(success=ok, auth_data=auth_data if ok else None)

    handler = Saver(args.dir)

    def factory():
        if args.auth:
            return SMTP(handler, authenticator=authenticator, auth_required=True,
                        auth_require_tls=False)
        return SMTP(handler)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(factory, host=host, port=int(port or 0)))
    bound = server.sockets[0].getsockname()
    print(f'listening on {bound[0]}:{bound[1]}', flush=True)
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
