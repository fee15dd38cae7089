import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { SMTPServer } from 'smtp-server';

import { runEmail } from '../helpers/emailNode';
import { startFaultProxy } from '../helpers/faultProxy';
import { triggerHarness } from '../helpers/pollContext';
import { credentialsFor, newMailbox, servers } from '../helpers/servers';
import { startPrivateDovecot, type PrivateDovecot } from './privateDovecot';

describe('security', () => {
	let dovecot: PrivateDovecot;

	beforeAll(async () => {
		dovecot = await startPrivateDovecot();
	}, 60_000);

	afterAll(async () => {
		await dovecot?.close();
	});

	describe('TLS', () => {
		it('the trigger refuses a server whose certificate another CA signed, unless the credential allows it', async () => {
			const address = newMailbox('tls');
			await dovecot.append(address, ['From: a@example.test\r\nSubject: tls\r\n\r\nbody\r\n']);
			const strict = triggerHarness({
				credentials: dovecot.credentials(address, { imapPort: dovecot.ports.imaps, imapSecurity: 'tls' }),
				parameters: {},
			});
			await expect(strict.poll()).rejects.toThrow(/TLS .* failed .*certificate|self[- ]signed/i);
			const relaxed = triggerHarness({
				credentials: dovecot.credentials(address, {
					imapPort: dovecot.ports.imaps,
					imapSecurity: 'tls',
					allowUnauthorizedCerts: true,
				}),
				parameters: {},
			});
			expect((await relaxed.poll()).map((item) => item.json.subject)).toEqual(['tls']);
		});

		it('send refuses an SMTP server whose certificate another CA signed before logging in, unless the credential allows it', async () => {
			let logins = 0;
			const fake = new SMTPServer({
				secure: true,
				key: readFileSync(path.join(dovecot.base, 'tls.key')),
				cert: readFileSync(dovecot.caFile),
				onAuth(_auth, _session, callback) {
					logins++;
					callback(null, { user: 'x' });
				},
				onData(stream, _session, callback) {
					stream.resume();
					stream.on('end', () => callback());
				},
			});
			fake.on('error', () => undefined);
			await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
			try {
				const port = (fake.server.address() as AddressInfo).port;
				const user = newMailbox('tls');
				const parameters = {
					operation: 'send',
					recipients: 'to@example.test',
					cc: '',
					bcc: '',
					subject: 's',
					content: 'c',
					options: {},
				};
				await expect(
					runEmail(parameters, credentialsFor(user, { smtpPort: port, smtpSecurity: 'tls' })),
				).rejects.toThrow(/TLS .* failed|certificate/i);
				expect(logins).toBe(0);
				const [sent] = await runEmail(
					parameters,
					credentialsFor(user, { smtpPort: port, smtpSecurity: 'tls', allowUnauthorizedCerts: true }),
				);
				expect(sent.json.is_success).toBe(true);
			} finally {
				await new Promise<void>((resolve) => fake.close(() => resolve()));
			}
		});

		/** What a client sent in clear text: everything before its first TLS record. */
		const clearText = (text: string) => text.split('\x16\x03')[0];

		it.each([
			[
				'hides STARTTLS from the capabilities',
				(text: string) => text.replace(/STARTTLS/gi, 'XSTARTX'),
				/^sent over TLS$/,
			],
			[
				'refuses the STARTTLS command',
				(text: string) =>
					text
						.replace(/^(\S+) OK Begin TLS negotiation now\.?/m, '$1 NO TLS is not available')
						.replace(/^220 2\.0\.0 Ready to start TLS/m, '454 4.7.0 TLS not available'),
				/^(?!sent over TLS)[\s\S]*TLS/,
			],
		])(
			'a man in the middle who %s gets no password and no mail from the trigger or send',
			async (_attack, rewriteAnswer, sendOutcome) => {
				const imapProxy = await startFaultProxy(servers().ports.imap, { rewriteAnswer });
				const smtpProxy = await startFaultProxy(servers().ports.smtp, { rewriteAnswer });
				try {
					const user = newMailbox('downgrade');
					const credentials = credentialsFor(user, {
						imapPort: imapProxy.port,
						imapSecurity: 'starttls',
						smtpPort: smtpProxy.port,
						smtpSecurity: 'starttls',
					});
					await expect(triggerHarness({ credentials, parameters: {} }).poll()).rejects.toThrow(/STARTTLS|TLS/);
					// nodemailer asks for STARTTLS even when it is not offered: it gets TLS (the real server has it) or stops.
					const sent = await runEmail(
						{
							operation: 'send',
							recipients: 'to@example.test',
							cc: '',
							bcc: '',
							subject: 's',
							content: 'c',
							options: {},
						},
						credentials,
					).then(
						() => 'sent over TLS',
						(error: Error) => error.message,
					);
					expect(sent).toMatch(sendOutcome);
					for (const proxy of [imapProxy, smtpProxy]) {
						expect(proxy.connections).toBeGreaterThanOrEqual(1);
						expect(proxy.clientText).not.toContain(servers().password);
						expect(clearText(proxy.clientText)).not.toMatch(/LOGIN|AUTH|RCPT|MAIL FROM/i);
					}
				} finally {
					await imapProxy.close();
					await smtpProxy.close();
				}
			},
		);
	});
});
