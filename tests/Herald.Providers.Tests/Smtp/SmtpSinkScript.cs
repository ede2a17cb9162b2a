namespace Herald.Providers.Tests.Smtp;

/// <summary>
/// smtp_sink.py, kept as a constant because the test project copies no extra files (the fixture writes it to a temp
/// folder). Four aiosmtpd servers on 127.0.0.1: one with STARTTLS required and AUTH required (one user), a plain one
/// without TLS or AUTH (both offer SMTPUTF8, aiosmtpd's default), a plain one without SMTPUTF8, and a plain one that drops a client idle for a second. Each accepted
/// message is stored as &lt;id&gt;.eml (written to a temp name, then renamed) with the envelope and the client's address and
/// port (X-Sink-Peer: one value per connection). Behaviour by
/// recipient local part: unknown → 550 5.1.1 at RCPT, busy → 451 4.3.0 at RCPT, reject → 550 5.7.1 at RCPT, hang → the
/// message is stored but the answer to the final "." comes only after --hang-seconds. Prints READY once all listen and
/// stops when its standard input closes. Needs Debian's python3-aiosmtpd, run with /usr/bin/python3.
/// </summary>
internal static class SmtpSinkScript
{
    public const string Python = """
        import argparse, asyncio, os, ssl, sys, uuid
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        parser = argparse.ArgumentParser()
        for name in ("--dir", "--cert", "--key", "--user", "--password"):
            parser.add_argument(name, required=True)
        parser.add_argument("--port", type=int, required=True)
        parser.add_argument("--plain-port", type=int, required=True)
        parser.add_argument("--ascii-port", type=int, required=True)
        parser.add_argument("--idle-port", type=int, required=True)
        parser.add_argument("--hang-seconds", type=float, default=5.0)
        args = parser.parse_args()


        def local(address):
            return address.split("@")[0].lower()


        class Sink:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                who = local(address)
                if who == "unknown":
                    return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
                if who == "busy":
                    return "451 4.3.0 Mailbox busy, try again later"
                if who == "reject":
                    return "550 5.7.1 Relaying denied by policy"
                envelope.rcpt_tos.append(address)
                return "250 2.1.5 OK"

            async def handle_DATA(self, server, session, envelope):
                name = uuid.uuid4().hex
                tmp = os.path.join(args.dir, name + ".tmp")
                with open(tmp, "wb") as f:
                    f.write(b"X-Sink-Mail-From: " + envelope.mail_from.encode() + b"\r\n")
                    f.write(b"X-Sink-Rcpt-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
                    f.write(b"X-Sink-Peer: " + ("%s:%s" % tuple(session.peer[:2])).encode() + b"\r\n")
                    f.write(envelope.content)
                os.rename(tmp, os.path.join(args.dir, name + ".eml"))
                if any(local(r) == "hang" for r in envelope.rcpt_tos):
                    await asyncio.sleep(args.hang_seconds)
                return "250 2.0.0 OK queued as " + name


        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword)
                  and auth_data.login.decode() == args.user
                  and auth_data.password.decode() == args.password)
            return AuthResult(success=ok, handled=False)


        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        secure = Controller(Sink(), hostname="127.0.0.1", port=args.port, tls_context=context, require_starttls=True,
                            authenticator=authenticate, auth_required=True, auth_require_tls=True)
        plain = Controller(Sink(), hostname="127.0.0.1", port=args.plain_port)
        ascii = Controller(Sink(), hostname="127.0.0.1", port=args.ascii_port, enable_SMTPUTF8=False)
        idle = Controller(Sink(), hostname="127.0.0.1", port=args.idle_port, timeout=1)
        servers = (secure, plain, ascii, idle)
        for server in servers:
            server.start()
        print("READY", flush=True)
        try:
            sys.stdin.read()
        finally:
            for server in servers:
                server.stop()
        """;
}
