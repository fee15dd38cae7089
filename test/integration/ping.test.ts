import net from 'node:net';

import { SMTPServer } from 'smtp-server';

import { Email } from '../../nodes/Email/Email.node';
import { pingAccount } from '../../nodes/mail';
import { runNode } from '../helpers/nodeContext';
import { accountFor, credentialsFor, newMailbox, servers } from '../helpers/servers';

/** A port on which nothing listens: bound once, then released. */
async function closedPort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as net.AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

/** An IMAP server that offers no STARTTLS and records whether a password ever arrived. */
async function imapWithoutStarttls(): Promise<{ port: number; received: string[]; close: () => Promise<void> }> {
	const received: string[] = [];
	const server = net.createServer((socket) => {
		socket.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake ready\r\n');
		socket.on('data', (chunk) => {
			const text = chunk.toString();
			received.push(text);
			for (const line of text.split('\r\n').filter(Boolean)) {
				const tag = line.split(' ')[0];
				if (/ CAPABILITY/i.test(line)) socket.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tag} OK done\r\n`);
				else if (/ LOGOUT/i.test(line)) socket.end(`* BYE\r\n${tag} OK bye\r\n`);
				else socket.write(`${tag} OK done\r\n`);
			}
		});
		socket.on('error', () => undefined);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		port: (server.address() as net.AddressInfo).port,
		received,
		close: () => new Promise((resolve) => server.close(() => resolve())),
	};
}

describe('ping', () => {
	it('logs in to IMAP and SMTP and reports both as ok', async () => {
		const user = newMailbox('ping');
		const [[item]] = await runNode(new Email(), {
			parameters: { operation: 'ping' },
			credentials: credentialsFor(user),
		});
		expect(item.json).toMatchObject({ is_succeed: true, imap: { ok: true }, smtp: { ok: true } });
		expect(typeof (item.json.imap as { ms: number }).ms).toBe('number');
		expect(item.pairedItem).toEqual({ item: 0 });
	});

	it('works with STARTTLS on both servers', async () => {
		const result = await pingAccount(
			accountFor(newMailbox('ping'), { imapPort: servers().ports.imap, imapSecurity: 'starttls' }),
		);
		expect(result).toMatchObject({ is_succeed: true, imap: { ok: true }, smtp: { ok: true } });
	});

	it('answers is_succeed false with the reason for a wrong password, and never shows the password', async () => {
		const user = newMailbox('ping');
		const password = 'Wrong-Password-4821';
		const [[item]] = await runNode(new Email(), {
			parameters: { operation: 'ping' },
			credentials: credentialsFor(user, { password }),
		});
		expect(item.json.is_succeed).toBe(false);
		expect(item.json.imap).toMatchObject({ ok: false, code: 'AUTH_FAILED' });
		expect(item.json.smtp).toMatchObject({ ok: false, code: 'AUTH_FAILED' });
		expect((item.json.imap as { error: string }).error).toMatch(/rejected the login.*username and password/);
		expect(JSON.stringify(item.json)).not.toContain(password);
	});

	it('names a closed port as unreachable', async () => {
		const port = await closedPort();
		const result = await pingAccount(accountFor(newMailbox('ping'), { imapPort: port, smtpPort: port }));
		expect(result.is_succeed).toBe(false);
		expect(result.imap).toMatchObject({ ok: false, code: 'CONNECTION_REFUSED' });
		expect(result.imap.error).toContain(`127.0.0.1:${port}`);
		expect(result.smtp).toMatchObject({ ok: false, code: 'CONNECTION_REFUSED' });
	});

	it('reports TLS mode against a plain-text port as a TLS failure', async () => {
		const result = await pingAccount(
			accountFor(newMailbox('ping'), { imapPort: servers().ports.imap, imapSecurity: 'tls', smtpSecurity: 'tls' }),
		);
		expect(result.is_succeed).toBe(false);
		expect(result.imap.ok).toBe(false);
		expect(result.imap.error).toMatch(/TLS|closed the connection|did not answer/);
		expect(result.smtp.ok).toBe(false);
	});

	it('refuses an untrusted certificate unless the credential allows it', async () => {
		const strict = await pingAccount(accountFor(newMailbox('ping'), { ca: undefined }));
		expect(strict.imap).toMatchObject({ ok: false, code: 'TLS_FAILED' });
		expect(strict.smtp).toMatchObject({ ok: false, code: 'TLS_FAILED' });
		const relaxed = await pingAccount(accountFor(newMailbox('ping'), { ca: undefined, allowUnauthorizedCerts: true }));
		expect(relaxed.is_succeed).toBe(true);
	});

	it('fails STARTTLS against an IMAP server that does not offer it, without sending the password', async () => {
		const fake = await imapWithoutStarttls();
		try {
			const account = accountFor(newMailbox('ping'), { imapPort: fake.port, imapSecurity: 'starttls' });
			const result = await pingAccount(account);
			expect(result.imap).toMatchObject({ ok: false, code: 'STARTTLS_UNAVAILABLE' });
			expect(fake.received.join('')).not.toContain(account.password);
			expect(fake.received.join('')).not.toMatch(/LOGIN|AUTHENTICATE/i);
		} finally {
			await fake.close();
		}
	});

	it('fails STARTTLS against an SMTP server that does not offer it, without sending the password', async () => {
		let authAttempts = 0;
		const fake = new SMTPServer({
			hideSTARTTLS: true,
			allowInsecureAuth: true,
			onAuth(_auth, _session, callback) {
				authAttempts++;
				callback(null, { user: 'x' });
			},
		});
		await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
		try {
			const port = (fake.server.address() as net.AddressInfo).port;
			const result = await pingAccount(accountFor(newMailbox('ping'), { smtpPort: port, smtpSecurity: 'starttls' }));
			expect(result.smtp.ok).toBe(false);
			expect(result.smtp.error).toMatch(/STARTTLS/);
			expect(authAttempts).toBe(0);
		} finally {
			await new Promise<void>((resolve) => fake.close(() => resolve()));
		}
	});
});
