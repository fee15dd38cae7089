import type { IDataObject } from 'n8n-workflow';

import { Email } from '../../nodes/Email/Email.node';
import { binaryItem, runNode } from '../helpers/nodeContext';
import { triggerHarness } from '../helpers/pollContext';
import { appendMessages, credentialsFor, newMailbox } from '../helpers/servers';
import { outlookMsg } from '../fixtures/outlookMsgs';
import { PHISH, report } from '../fixtures/phish';
import { asServed, seenFlags } from './readops.helpers';

async function analyze(address: string, parameters: IDataObject, items?: Parameters<typeof runNode>[1]['items']) {
	const [output] = await runNode(new Email(), {
		parameters: {
			operation: 'analyze',
			source: 'mailbox',
			folder: 'INBOX',
			messageId: '',
			emailUid: '',
			options: { trustedAuthservIds: 'mx.corp.test', ownDomains: 'corp.test' },
			...parameters,
		},
		credentials: credentialsFor(address),
		items,
	});
	return output;
}

describe('Analyze Email against the real Dovecot', () => {
	const address = newMailbox('analyze');
	let uid = 0;
	beforeAll(async () => {
		[uid] = await appendMessages(address, [report(PHISH)]);
	});

	it('analyses a reported mail in the mailbox by Message-ID: the original, its verdicts and indicators, its bytes as original_eml; the mail stays unread', async () => {
		const [item] = await analyze(address, { messageId: 'report-1@corp.test' });
		const json = item.json as IDataObject & {
			messages: IDataObject[];
			original: IDataObject;
			iocs: { urls: string[] };
		};
		expect(json.messages.map((message) => message.via)).toEqual(['root', 'attachment']);
		expect(json.original).toMatchObject({
			subject: 'Urgent: verify your account',
			authentication: { dmarc: 'fail', source: 'header' },
			alignment: { reply_to: 'misaligned' },
		});
		expect(json.iocs.urls).toContain('https://login.evil.test/p?u=1');
		expect(Buffer.from(item.binary!.original_eml.data, 'base64').equals(asServed(Buffer.from(PHISH)))).toBe(true);
		expect(item.binary!.original_eml).toMatchObject({
			fileName: 'phish-1@paypa1.test.eml',
			mimeType: 'message/rfc822',
		});
		expect(await seenFlags(address, 'INBOX')).toEqual([false]);
	});

	it('by UID the same; a mail that is not there is found: false', async () => {
		const [byUid] = await analyze(address, { emailUid: String(uid) });
		expect((byUid.json.original as IDataObject).subject).toBe('Urgent: verify your account');
		const [missing] = await analyze(address, { messageId: '<nothing@corp.test>' });
		expect(missing.json).toEqual({ found: false, message_id: '<nothing@corp.test>', email_uid: null, folder: 'INBOX' });
	});

	it('analyses a reported Outlook .msg handed over as binary', async () => {
		const msg = outlookMsg('msg-in-msg.msg');
		const [item] = await analyze(address, { source: 'binary', binaryPropertyName: 'report' }, [
			binaryItem('report', msg, 'report.msg', 'application/vnd.ms-outlook'),
		]);
		expect((item.json.messages as IDataObject[]).map((message) => message.via)).toEqual(['root', 'msg']);
		expect(item.binary).toBeUndefined();
		await expect(
			analyze(address, { source: 'binary', binaryPropertyName: 'nope' }, [
				binaryItem('report', msg, 'report.msg', 'application/vnd.ms-outlook'),
			]),
		).rejects.toThrow(/no binary property "nope"/);
	});

	it('the trigger with Analyze adds the same analysis to each item', async () => {
		const trigger = triggerHarness({
			credentials: credentialsFor(address),
			parameters: {
				unreadOnly: false,
				markAsRead: false,
				analyze: true,
				analyzeOptions: { trustedAuthservIds: 'mx.corp.test', defang: false },
			},
		});
		const [item] = await trigger.poll();
		const analysis = item.json.analysis as IDataObject & { original: IDataObject };
		expect(analysis.original).toMatchObject({
			via: 'attachment',
			authentication: { spf: 'fail', authserv_id: 'mx.corp.test' },
		});
		expect(analysis.iocs_defanged).toBeUndefined();
		const plain = triggerHarness({
			credentials: credentialsFor(address),
			parameters: { unreadOnly: false, markAsRead: false },
		});
		expect((await plain.poll())[0].json.analysis).toBeUndefined();
	});
});
