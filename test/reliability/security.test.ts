import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { SMTPServer } from 'smtp-server';

import { Email } from '../../nodes/Email/Email.node';
import { pathInside, pingAccount, ReplyMatcher, safeFileName, withImap, type ReplyFields } from '../../nodes/mail';
import { startFaultProxy } from '../helpers/faultProxy';
import { binaryItem, runNode } from '../helpers/nodeContext';
import { triggerHarness } from '../helpers/pollContext';
import { accountFor, appendMessages, credentialsFor, newMailbox, servers, waitForMessages } from '../helpers/servers';
import { startPrivateDovecot, type PrivateDovecot } from './privateDovecot';
import { printTable, scratchFolders, seededRandom } from './seeded';

const SEED = Number(process.env.RELIABILITY_SEED || 20261130);

// Pieces of names an attacker would write: traversal, separators of every system, device names,
// control and invisible characters, look-alike slashes, very long runs.
const NAME_PIECES = [
	'..',
	'../',
	'..\\',
	'/',
	'\\',
	'\0',
	'.',
	' ',
	'con',
	'NUL',
	'aux.txt',
	'LPT1',
	'\u202e',
	'%2e%2e%2f',
	'a',
	'é',
	'~',
	':',
	'*',
	'?',
	'<',
	'>',
	'|',
	'\t',
	'\r\n',
	'$HOME',
	'${x}',
	'passwd',
	'/etc/',
	'C:\\Windows\\',
	'\\\\server\\share\\',
	'😀',
	'\u0085',
	'\ufeff',
	'.bashrc',
	'x'.repeat(150),
	'\u2215',
	'\uff0f',
	'.pdf',
	'.exe',
	'report',
	'\u0000.txt',
];

function fuzzedNames(count: number): string[] {
	const random = seededRandom(SEED);
	return Array.from({ length: count }, () =>
		Array.from({ length: random.int(1, 6) }, () => random.pick(NAME_PIECES)).join(''),
	);
}

/** RFC 2231: any bytes survive MIME, so the parser hands the name over exactly as the attacker wrote it. */
const rfc2231 = (name: string) =>
	`filename*=utf-8''${[...Buffer.from(name, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')}`;

function mailWithNames(names: string[], index: number): string {
	const parts = names.map(
		(name, i) =>
			`--f\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; ${rfc2231(name)}\r\n\r\nfile ${index}-${i}\r\n`,
	);
	return `From: attacker@example.test\r\nSubject: names ${index}\r\nMessage-ID: <names-${index}@reliability.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="f"\r\n\r\n${parts.join('')}--f--\r\n`;
}

async function runEmail(
	parameters: IDataObject,
	credentials: Record<string, unknown>,
	items?: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const [output] = await runNode(new Email(), { parameters, credentials, items });
	return output;
}

describe('security', () => {
	let dovecot: PrivateDovecot;

	beforeAll(async () => {
		dovecot = await startPrivateDovecot();
	}, 60_000);

	const scratch = scratchFolders();
	afterAll(async () => {
		scratch.removeAll();
		await dovecot?.close();
	});

	it('writes no file outside the download folder for 1,000 fuzzed attachment names (and never through a planted symlink)', async () => {
		const names = fuzzedNames(1000);
		// The pure check first: every name becomes one plain file name inside the folder.
		const root = path.join(tmpdir(), 'mailbox-fuzz-root');
		for (const name of names) {
			const safe = safeFileName(name);
			expect(safe).not.toMatch(/[/\\\0]/);
			if (safe) expect(path.dirname(pathInside(root, safe))).toBe(root);
		}

		const address = newMailbox('fuzz');
		const batches = Array.from({ length: 10 }, (_, i) => names.slice(i * 100, i * 100 + 100));
		const uids = await appendMessages(
			address,
			batches.map((batch, i) => mailWithNames(batch, i)),
		);
		const parent = scratch.make('mailbox-fuzz-');
		const directory = path.join(parent, 'downloads');
		const outside = path.join(parent, 'outside');
		mkdirSync(directory);
		mkdirSync(outside);
		// A planted symlink under a name an attachment will ask for, pointing outside.
		const planted = safeFileName(names.find((name) => safeFileName(name))!);
		symlinkSync(path.join(outside, 'stolen'), path.join(directory, planted));

		const [item] = await runEmail(
			{
				operation: 'downloadAttachments',
				folder: 'INBOX',
				downloadPath: directory,
				messageId: '',
				subjectFilter: '',
				emailUid: uids.join(','),
				onlyUnread: false,
				options: { binaryOutput: false },
			},
			credentialsFor(address),
		);
		const saved = item.json.attachments as Array<{ path: string }>;
		const inside = saved.filter((file) => path.dirname(file.path) === directory).length;
		printTable('Fuzzed attachment names (Download Attachments)', [
			{
				names: names.length,
				distinctNames: new Set(names).size,
				filesWritten: saved.length,
				insideFolder: inside,
				escaped: saved.length - inside,
				filesOutside: readdirSync(outside).length + readdirSync(parent).length - 2,
			},
		]);
		expect(saved).toHaveLength(1000);
		expect(inside).toBe(1000);
		expect(readdirSync(directory)).toHaveLength(1001);
		expect(readdirSync(parent).sort()).toEqual(['downloads', 'outside']);
		expect(readdirSync(outside)).toEqual([]);
		expect(existsSync(path.join(outside, 'stolen'))).toBe(false);
	}, 90_000);

	describe('header injection through every user-supplied header field is refused before sending', () => {
		const injection = 'x@example.test\r\nBcc: victim@example.test';
		// The SMTP port points at nothing: were anything sent, the error would be a connection error.
		const offline = (user: string) => credentialsFor(user, { smtpPort: 1 });
		const base = { recipients: 'to@example.test', cc: '', bcc: '', subject: 'hello', content: 'body', options: {} };
		it.each([
			['recipients', { recipients: injection }],
			['cc', { cc: injection }],
			['bcc', { bcc: injection }],
			['subject', { subject: 'hi\r\nBcc: victim@example.test' }],
			['subject with a lone CR', { subject: 'hi\rBcc: victim@example.test' }],
			['subject with NUL', { subject: 'hi\0Bcc: victim@example.test' }],
			['replyTo', { options: { replyTo: injection } }],
			['inReplyTo', { options: { inReplyTo: '<a@b>\r\nBcc: victim@example.test' } }],
			['fromName', { options: { fromName: 'Bot\r\nBcc: victim@example.test' } }],
			['header name', { options: { headers: { header: [{ name: 'X-A\r\nBcc', value: 'victim@example.test' }] } } }],
			['header name with a colon', { options: { headers: { header: [{ name: 'X-A: 1\r\nBcc', value: 'x' }] } } }],
			['header value', { options: { headers: { header: [{ name: 'X-A', value: 'a\r\nBcc: victim@example.test' }] } } }],
			['a reserved header', { options: { headers: { header: [{ name: 'bcc', value: 'victim@example.test' }] } } }],
		])('%s (send and sendAndWait)', async (_field, override) => {
			const user = newMailbox('inject');
			for (const operation of ['send', 'sendAndWait']) {
				const error = await runEmail(
					{ operation, exclusionSubjectRegex: '', exclusionBodyRegex: '', ...base, ...override },
					offline(user),
				).then(
					() => undefined,
					(e: Error) => e,
				);
				expect(error?.message).toMatch(/line break|invalid|not valid|set by the node itself/);
			}
		});

		it('an attachment file name with CR/LF does not add headers to the delivered mail', async () => {
			const [sender, victim] = [newMailbox('inject'), newMailbox('victim')];
			const to = newMailbox('to');
			const items = [
				binaryItem(
					'file',
					Buffer.from('data'),
					`a.txt"\r\nBcc: ${victim}\r\nX-Injected: yes\r\n\r\n.txt`,
					'text/plain',
				),
			];
			await runEmail(
				{ operation: 'send', ...base, recipients: to, options: { contentType: 'text', attachments: 'file' } },
				credentialsFor(sender),
				items,
			);
			const [delivered] = await waitForMessages(to, 1);
			const headerBlock = delivered.source.toString('latin1').split('\r\n\r\n')[0];
			expect(headerBlock).not.toMatch(/^(bcc|x-injected):/im);
			await new Promise((resolve) => setTimeout(resolve, 1000));
			expect(await waitForMessages(victim, 0)).toEqual([]);
		});
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

	it('keeps passwords, OAuth tokens and proxy passwords out of outputs, errors and logs', async () => {
		const password = 'Pw-9c1f-UNIQUE-secret';
		const token = 'ya29.TOKEN-7be2-UNIQUE-secret';
		const proxyPassword = 'Proxy-44aa-UNIQUE-secret';
		const secrets = [password, token, proxyPassword, servers().password];
		const encoded = secrets.flatMap((secret) => [
			secret,
			encodeURIComponent(secret),
			Buffer.from(secret).toString('base64'),
		]);
		const seen: string[] = [];
		const record = (label: string, value: unknown) =>
			seen.push(
				`${label}: ${typeof value === 'string' ? value : JSON.stringify(value, Object.getOwnPropertyNames(value ?? {}))}`,
			);
		const recordError = (label: string, error: unknown) => {
			const e = error as { message?: string; description?: string; stack?: string; cause?: unknown };
			record(label, [e.message, e.description, e.stack, JSON.stringify(e), String(e.cause)].join('\n'));
		};
		const consoleSpies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
			jest.spyOn(console, method),
		);
		const stdout = jest.spyOn(process.stdout, 'write');
		const stderr = jest.spyOn(process.stderr, 'write');
		const user = newMailbox('secrets');
		await appendMessages(user, [
			'From: a@example.test\r\nSubject: secret scan\r\nMessage-ID: <scan@x>\r\n\r\nbody\r\n',
		]);
		const proxy = await startFaultProxy(servers().ports.imap);
		try {
			const wrong = credentialsFor(user, { password });
			record('ping wrong password', await runEmail({ operation: 'ping' }, wrong));
			await runEmail(
				{ operation: 'send', recipients: 'to@example.test', cc: '', bcc: '', subject: 's', content: 'c', options: {} },
				wrong,
			).catch((e) => recordError('send', e));
			await runEmail(
				{ operation: 'getEml', folder: 'INBOX', messageId: '<scan@x>', emailUid: '', base64Encode: true },
				wrong,
			).catch((e) => recordError('getEml', e));
			const badTrigger = triggerHarness({ credentials: wrong, parameters: {} });
			await badTrigger.poll().catch((e) => recordError('trigger', e));
			record('trigger warnings', badTrigger.warnings);

			// The right password, and the connection cut in the middle of the work.
			const cutCredentials = credentialsFor(user, { imapPort: proxy.port, imapSecurity: 'none' });
			proxy.arm({ dropAfter: { after: /UID FETCH/i, bytes: 50 } });
			await runEmail(
				{ operation: 'getEml', folder: 'INBOX', messageId: '<scan@x>', emailUid: '', base64Encode: true },
				cutCredentials,
			).catch((e) => recordError('getEml cut', e));
			proxy.arm({ cutOn: /UID FETCH/i });
			const cutTrigger = triggerHarness({ credentials: cutCredentials, parameters: {} });
			await cutTrigger.poll().catch((e) => recordError('trigger cut', e));
			const [item] = await runEmail(
				{ operation: 'getEml', folder: 'INBOX', messageId: '<scan@x>', emailUid: '', base64Encode: false },
				credentialsFor(user),
			);
			record('getEml ok', item.json);

			// OAuth2: a token Dovecot rejects; a proxy that is not there, with its password.
			record('ping oauth', await pingAccount(accountFor(user, { accessToken: token })));
			await withImap(accountFor(user, { accessToken: token }), async () => undefined).catch((e) =>
				recordError('imap oauth', e),
			);
			record(
				'ping proxy',
				await pingAccount(
					accountFor(user, { proxyAddress: 'socks5://127.0.0.1:1', proxyUsername: 'me', proxyPassword }),
				),
			);
			record(
				'ping http proxy',
				await pingAccount(accountFor(user, { proxyAddress: 'http://127.0.0.1:1', proxyUsername: 'me', proxyPassword })),
			);
		} finally {
			await proxy.close();
			for (const spy of consoleSpies) {
				record('console', spy.mock.calls);
				spy.mockRestore();
			}
			record(
				'stdout',
				stdout.mock.calls.map((call) => String(call[0])),
			);
			record(
				'stderr',
				stderr.mock.calls.map((call) => String(call[0])),
			);
			stdout.mockRestore();
			stderr.mockRestore();
		}
		const text = seen.join('\n');
		const leaks = encoded.filter((secret) => text.includes(secret));
		printTable('Secret scan', [
			{ texts: seen.length, characters: text.length, secretsChecked: encoded.length, leaks: leaks.length },
		]);
		expect(seen.length).toBeGreaterThanOrEqual(12);
		expect(text).toMatch(/rejected the login/);
		expect(leaks).toEqual([]);
	});

	it('bounds catastrophic regexes in trigger rules and send-and-wait exclusions', async () => {
		const address = newMailbox('redos');
		const evilBody = `${'a'.repeat(200_000)}!`;
		await appendMessages(address, [
			`From: a@example.test\r\nTo: b@example.test\r\nSubject: Fwd: ${'x'.repeat(50_000)}\r\nMessage-ID: <redos@x>\r\n\r\n${evilBody}\r\n`,
		]);
		const trigger = triggerHarness({
			credentials: credentialsFor(address),
			parameters: {
				extractionRules: {
					rules: [
						{ name: 'nested', regex: '(a+)+$' },
						{ name: 'alternation', regex: '(a|aa)+$' },
						{ name: 'overlap', regex: '(a*)*b' },
					],
				},
				environmentRegex: '(x+x+)+y',
				forwardedEmailRegexes: JSON.stringify({ subject: '(x+x+)+y', from: '(a|a)*b', to: '(.*a){20}' }),
			},
		});
		let started = Date.now();
		const [item] = await trigger.poll();
		const triggerMs = Date.now() - started;
		expect(item.json.message_id).toBe('<redos@x>');

		const matcher = new ReplyMatcher({
			messageId: '<q@x>',
			recipients: [],
			exclusionSubjectRegex: '(x+x+)+y',
			exclusionBodyRegex: '(a+)+$',
		});
		const reply = {
			in_reply_to: '<q@x>',
			references: '',
			sender: 'a@example.test',
			subject: 'x'.repeat(50_000),
			body: evilBody,
		} as unknown as ReplyFields;
		started = Date.now();
		// (a+)+$ matches a run of "a" at the end of a line-less text only: here "!" ends it, so no match.
		expect(matcher.accept(reply)).toBe('a@example.test');
		const exclusionMs = Date.now() - started;
		printTable('Catastrophic regexes on 200 KB of hostile text', [
			{ triggerPollMs: triggerMs, exclusionCheckMs: exclusionMs },
		]);
		expect(triggerMs).toBeLessThan(10_000);
		expect(exclusionMs).toBeLessThan(2_000);
	});
});
