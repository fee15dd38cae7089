import MsgReader from '@kenjiuno/msgreader';
import CFB from 'cfb';

import { readOutlookMsg } from '../../nodes/mail/analysis/msg';
import type { MsgAddress, MsgMessage } from '../../scripts/lib/outlookMsg';
import { OUTLOOK_MESSAGES, outlookMsg } from '../fixtures/outlookMsgs';
import { outlookCorpus } from '../helpers/corpus';

const address = (entry: MsgAddress) =>
	typeof entry === 'string' ? { name: entry, email: entry } : { name: entry.name ?? entry.email, email: entry.email };

/** What msgreader reads from `bytes`, checked field by field against the description it was built from. */
function expectReadsBack(bytes: Uint8Array, message: MsgMessage): void {
	const reader = new MsgReader(Uint8Array.from(bytes).buffer);
	const data = reader.getFileData();
	const from = message.from ? address(message.from) : undefined;
	const fields = {
		messageClass: 'IPM.Note',
		subject: message.subject,
		senderName: from?.name,
		senderEmail: from?.email,
		senderSmtpAddress: from?.email,
		body: message.body,
		bodyHtml: message.html,
		headers: message.headers,
		messageId: message.messageId,
		clientSubmitTime: message.date?.toUTCString(),
	};
	expect(data.error).toBeUndefined();
	// A field left out of the description is absent from the file too.
	expect(Object.fromEntries(Object.keys(fields).map((key) => [key, data[key as keyof typeof data]]))).toEqual(fields);
	const recipients = (['to', 'cc', 'bcc'] as const).flatMap((type) =>
		(message[type] ?? []).map((entry) => ({ ...address(entry), smtp: address(entry).email, type })),
	);
	const read = data.recipients?.map((entry) => ({
		name: entry.name,
		email: entry.email,
		smtp: entry.smtpAddress,
		type: entry.recipType,
	}));
	expect(read).toEqual(recipients);
	const attachments = message.attachments ?? [];
	expect(data.attachments).toHaveLength(attachments.length);
	attachments.forEach((attachment, index) => {
		const read = data.attachments![index];
		const { content } = reader.getAttachment(read);
		if ('message' in attachment) {
			expect(read.innerMsgContent).toBe(true);
			expectReadsBack(content, attachment.message);
		} else {
			expect({ fileName: read.fileName, mimeType: read.attachMimeTag, contentId: read.pidContentId }).toEqual({
				fileName: attachment.fileName,
				mimeType: attachment.mimeType ?? 'application/octet-stream',
				contentId: attachment.contentId,
			});
			expect(Buffer.from(content).equals(attachment.content)).toBe(true);
		}
	});
}

describe('Outlook .msg fixtures (scripts/lib/outlookMsg.js, written with cfb)', () => {
	it.each(Object.keys(OUTLOOK_MESSAGES))('%s reads back through msgreader with all it was built from', (name) => {
		const bytes = outlookMsg(name);
		expect(bytes.subarray(0, 8).toString('hex')).toBe('d0cf11e0a1b11ae1');
		expectReadsBack(bytes, OUTLOOK_MESSAGES[name]);
	});

	it('reads through the runtime reader (its worker) as the analysis sees it', async () => {
		const item = await readOutlookMsg(outlookMsg('report-with-phish.msg'));
		expect(item).toMatchObject({
			subject: 'FW: Action required: confirm your payroll details',
			senderEmail: 'grace@corp.test',
			recipients: [
				{ email: 'phishing@corp.test', name: 'Phishing reports', recipType: 'to' },
				{ email: 'henry@corp.test', name: 'Grace’s manager', recipType: 'cc' },
			],
			messageId: '<report-grace-1@corp.test>',
			date: 'Tue, 25 Jun 2024 08:02:00 GMT',
		});
		expect(item.attachments.map(({ fileName, isMsg }) => ({ fileName, isMsg }))).toEqual([
			{ fileName: 'Action required: confirm your payroll details.msg', isMsg: true },
		]);
		expect((await readOutlookMsg(item.attachments[0].content)).senderEmail).toBe('payroll@hr-portal.example');
	});

	outlookCorpus.it('lays out storages and property streams as the Outlook files of the corpus do', () => {
		const kind = (storage: string) =>
			storage === 'Root Entry'
				? 'message'
				: storage === '__substg1.0_3701000D'
					? 'embedded message'
					: storage.replace(/_version1\.0_#[0-9A-F]{8}$/, '');
		// Storages by their place in the tree, and each property stream's header: 32, 24 or 8 bytes
		// before its 16-byte entries.
		const layout = (file: CFB.CFB$Container) =>
			new Set(
				file.FileIndex.flatMap((entry, index) => {
					const where = file.FullPaths[index].replace(/#[0-9A-F]{8}/g, '#n');
					if (entry.type === 1) return [`storage ${where}`];
					if (entry.name !== '__properties_version1.0') return [];
					const owner = kind(file.FullPaths[index].split('/').at(-2)!);
					return [`${owner} properties, ${entry.size % 16} bytes over 16-byte entries`];
				}),
			);
		const outlook = new Set(outlookCorpus.files().flatMap((file) => [...layout(CFB.read(file, { type: 'file' }))]));
		const generated = Object.keys(OUTLOOK_MESSAGES).map((name) => CFB.read(outlookMsg(name), { type: 'buffer' }));
		const ours = new Set(generated.flatMap((file) => [...layout(file)]));
		expect([...ours].filter((entry) => !outlook.has(entry))).toEqual([]);
		expect(ours).toContain('embedded message properties, 8 bytes over 16-byte entries');
	});
});
