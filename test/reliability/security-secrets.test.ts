import { pingAccount, withImap } from '../../nodes/mail';
import { runEmail } from '../helpers/emailNode';
import { startFaultProxy } from '../helpers/faultProxy';
import { triggerHarness } from '../helpers/pollContext';
import { accountFor, appendMessages, credentialsFor, newMailbox, servers } from '../helpers/servers';
import { printTable } from './seeded';

describe('security', () => {
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
});
