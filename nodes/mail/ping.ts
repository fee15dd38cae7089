import type { MailAccount } from './account';
import { withImap, verifySmtp } from './connection';
import { MailError, redact } from './errors';
import { accountSecrets } from './account';

export interface ServiceCheck {
	ok: boolean;
	error?: string;
	code?: string;
	ms: number;
}

export interface PingResult {
	/** Spelled as by the integration this package replaces, so that ported workflows read it unchanged; public, kept. */
	is_succeed: boolean;
	imap: ServiceCheck;
	smtp: ServiceCheck;
}

async function timed(account: MailAccount, check: () => Promise<unknown>): Promise<ServiceCheck> {
	const started = Date.now();
	try {
		await check();
		return { ok: true, ms: Date.now() - started };
	} catch (error) {
		const message = redact((error as Error).message, accountSecrets(account));
		return {
			ok: false,
			error: message,
			code: error instanceof MailError ? error.code : undefined,
			ms: Date.now() - started,
		};
	}
}

/** Logs in to IMAP and SMTP side by side; a failure is part of the answer, never an exception. */
export async function pingAccount(account: MailAccount): Promise<PingResult> {
	const [imap, smtp] = await Promise.all([
		timed(account, () => withImap(account, async (client) => client.noop())),
		timed(account, () => verifySmtp(account)),
	]);
	return { is_succeed: imap.ok && smtp.ok, imap, smtp };
}
