'use strict';
/**
 * The demo mailbox of `npm start`: sample SOC mail appended once to soc@example.test (alerts with
 * attachments, a phishing report forwarded the way Gmail writes it, one forwarded as an attached
 * .eml, a reply thread), and a stand-in analyst at lead@example.test who answers every question
 * mailed to them, so that "Send Email and Wait" has someone to wait for.
 */
const { ImapFlow } = require('imapflow');
const MailComposer = require('nodemailer/lib/mail-composer');
const QRCode = require('qrcode');

const { buildMsg } = require('./outlookMsg');

const DEMO_MAILBOX = 'soc@example.test';
const DEMO_ANALYST = 'lead@example.test';

// A PDF that opens (one empty page): enough for attachment handling, nothing to execute.
const TINY_PDF = Buffer.from(
	'%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj ' +
		'3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

function compose(mail) {
	return new MailComposer(mail).compile().build();
}

const daysAgo = (days, hour = 9) => {
	const date = new Date(Date.now() - days * 86_400_000);
	date.setUTCHours(hour, 17, 0, 0);
	return date;
};

/**
 * A report with the phish attached as an Outlook .msg, as Outlook's "Report" add-in sends it; the
 * .msg is written here (scripts/lib/outlookMsg.js): the phish as Outlook keeps a received mail, with
 * the transport headers that carry the receiving server's verdicts.
 */
async function reportedOutlookMsg() {
	const msg = buildMsg({
		subject: 'Your mailbox is almost full',
		from: { name: 'Microsoft 365', email: 'no-reply@micros0ft-support.example' },
		to: [{ name: 'Dave Desk', email: 'dave@example.test' }],
		date: daysAgo(0, 11),
		messageId: '<quota-20931@micros0ft-support.example>',
		headers: [
			'Authentication-Results: mx.example.test; spf=fail smtp.mailfrom=quota-alerts.example; dkim=none;',
			'\tdmarc=fail (p=reject) header.from=micros0ft-support.example',
			'Received: from mailer.quota-alerts.example (mailer.quota-alerts.example [203.0.113.77])',
			'\tby mx.example.test',
			'Return-Path: <bounce@quota-alerts.example>',
			'From: Microsoft 365 <no-reply@micros0ft-support.example>',
			'Reply-To: helpdesk-365@freemail.example',
			'To: Dave Desk <dave@example.test>',
			'Subject: Your mailbox is almost full',
			'',
		].join('\r\n'),
		body: 'Your mailbox is 98% full. Upgrade now: https://login.microsoftonline.com.quota-alerts.example/upgrade',
		html:
			'<p>Your mailbox is <b>98%</b> full.</p>' +
			'<p><a href="https://login.microsoftonline.com.quota-alerts.example/upgrade">' +
			'https://outlook.office.com/mail/quota</a></p>',
	});
	const raw = await compose({
		from: 'Dave Desk <dave@example.test>',
		to: DEMO_MAILBOX,
		subject: 'Phishing report (Outlook): Your mailbox is almost full',
		date: daysAgo(0, 12),
		text: 'Reported with the Outlook add-in; the mail is attached as .msg.\n',
		attachments: [{ filename: 'reported.msg', contentType: 'application/vnd.ms-outlook', content: msg }],
	});
	return [{ seen: false, raw }];
}

/** The sample messages: `{raw, seen, folder?}` (INBOX unless a folder is named), oldest first. */
async function demoMessages() {
	const phishing = {
		from: '"PayPal Security" <service@paypa1-secure.example>',
		to: 'alice@example.test',
		subject: 'Your account has been limited',
		date: daysAgo(2, 7),
		messageId: '<limited-4471@paypa1-secure.example>',
		html:
			'<p>Dear customer,</p><p>We noticed unusual activity. Confirm your identity within 24 hours:</p>' +
			'<p><a href="http://paypa1-secure.example/login?id=4471">Restore access</a></p>' +
			'<p>Sent from 198.51.100.23</p>',
	};
	const original = await compose(phishing);
	const threadStart = '<inc-1042@example.test>';
	const threadReply = '<re-inc-1042@example.test>';
	return [
		{
			seen: true,
			raw: await compose({
				from: 'EDR Console <edr@example.test>',
				to: DEMO_MAILBOX,
				subject: '[Production] EDR alert: suspicious PowerShell on WS-0193',
				date: daysAgo(3),
				text:
					'Host: WS-0193 (10.20.4.17)\nUser: CORP\\bwayne\nCommand: powershell -enc SQBFAFgA...\n' +
					'Parent: winword.exe\nC2 candidate: 203.0.113.45:443 (https://cdn-update.example/ps1)\n',
			}),
		},
		{
			seen: false,
			// As Gmail forwards: the original headers inline after the "Forwarded message" line.
			raw: await compose({
				from: 'Alice Analyst <alice@example.test>',
				to: DEMO_MAILBOX,
				subject: 'Fwd: Your account has been limited',
				date: daysAgo(2, 8),
				text:
					'Reporting this one, looks like phishing.\n\n---------- Forwarded message ---------\n' +
					`From: PayPal Security <service@paypa1-secure.example>\nDate: ${phishing.date.toUTCString()}\n` +
					'Subject: Your account has been limited\nTo: <alice@example.test>\n\n' +
					'Dear customer,\nWe noticed unusual activity. Confirm your identity within 24 hours:\n' +
					'Restore access <http://paypa1-secure.example/login?id=4471>\nSent from 198.51.100.23\n',
				html:
					'<div dir="ltr">Reporting this one, looks like phishing.<br><br><div class="gmail_quote">' +
					'<div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>' +
					'From: <strong class="gmail_sendername" dir="auto">PayPal Security</strong> ' +
					'<span dir="auto">&lt;service@paypa1-secure.example&gt;</span><br>' +
					`Date: ${phishing.date.toUTCString()}<br>Subject: Your account has been limited<br>` +
					'To: &lt;alice@example.test&gt;<br></div><br><br>' +
					'<p>Dear customer,</p><p>We noticed unusual activity. Confirm your identity within 24 hours:</p>' +
					'<p><a href="http://paypa1-secure.example/login?id=4471">Restore access</a></p>' +
					'<p>Sent from 198.51.100.23</p></div></div>',
			}),
		},
		{
			seen: false,
			// As Outlook's "Report phishing" sends it: the suspicious mail attached whole.
			raw: await compose({
				from: 'Bob Builder <bob@example.test>',
				to: DEMO_MAILBOX,
				subject: '[Production] Phishing report: invoice from a supplier I do not know',
				date: daysAgo(1, 10),
				text: 'The attached mail came with an invoice I did not expect. Can you check it?\n',
				attachments: [
					{
						filename: 'Invoice overdue.eml',
						contentType: 'message/rfc822',
						// nodemailer would mark an attached mail inline; Outlook's report attaches it.
						contentDisposition: 'attachment',
						content: await compose({
							from: 'Accounts <billing@invoices-online.example>',
							to: 'bob@example.test',
							subject: 'Invoice INV-2291 overdue',
							date: daysAgo(1, 6),
							text: 'Please pay the attached invoice today: https://invoices-online.example/pay/2291\n',
							attachments: [{ filename: 'INV-2291.pdf', content: TINY_PDF, contentType: 'application/pdf' }],
						}),
					},
				],
			}),
		},
		{
			seen: false,
			raw: await compose({
				from: 'Vulnerability Scanner <scanner@example.test>',
				to: DEMO_MAILBOX,
				subject: '[Staging] Weekly scan: 3 findings',
				date: daysAgo(1, 12),
				text:
					'Findings for 10.30.0.0/24 are attached (CSV and PDF). Dashboard: ' +
					'https://scanner.example.test/report/77\n',
				attachments: [
					{
						filename: 'findings.csv',
						content:
							'host,port,finding\n10.30.0.5,22,weak ciphers\n10.30.0.9,443,expired ' +
							'certificate\n10.30.0.12,3389,RDP exposed\n',
						contentType: 'text/csv',
					},
					{ filename: 'scan-report.pdf', content: TINY_PDF, contentType: 'application/pdf' },
				],
			}),
		},
		{
			seen: true,
			folder: 'Sent',
			raw: await compose({
				from: DEMO_MAILBOX,
				to: DEMO_ANALYST,
				subject: 'INC-1042: block 203.0.113.45 at the firewall?',
				date: daysAgo(0, 8),
				messageId: threadStart,
				text: 'The EDR alert on WS-0193 calls out to 203.0.113.45. Block it? Answer {{approve}} or {{reject}}.\n',
			}),
		},
		{
			seen: false,
			raw: await compose({
				from: `Lead Analyst <${DEMO_ANALYST}>`,
				to: DEMO_MAILBOX,
				subject: 'Re: INC-1042: block 203.0.113.45 at the firewall?',
				date: daysAgo(0, 9),
				messageId: threadReply,
				inReplyTo: threadStart,
				references: [threadStart],
				text:
					'{{approve}} - block it, and open a ticket for the host.\n\n' +
					`On ${daysAgo(0, 8).toUTCString()}, ${DEMO_MAILBOX} wrote:\n` +
					'> The EDR alert on WS-0193 calls out to 203.0.113.45. Block it? Answer {{approve}} or {{reject}}.\n',
			}),
		},
		{
			seen: false,
			raw: await compose({
				from: 'Firewall Team <fw@example.test>',
				to: DEMO_MAILBOX,
				cc: DEMO_ANALYST,
				subject: 'Re: INC-1042: block 203.0.113.45 at the firewall?',
				date: daysAgo(0, 10),
				inReplyTo: threadReply,
				references: [threadStart, threadReply],
				text:
					'Done: 203.0.113.45 is blocked on the perimeter since 10:05 UTC (change CHG-889).\n\n> ' +
					'{{approve}} - block it, and open a ticket for the host.\n',
			}),
		},
		{
			seen: false,
			// As German Outlook forwards: "WG:", a rule, Von/Gesendet/An/Betreff; the link's text names another domain.
			raw: await compose({
				from: 'Carla Controlling <carla@example.test>',
				to: DEMO_MAILBOX,
				subject: 'WG: Ihr Konto wurde eingeschränkt',
				date: daysAgo(0, 11),
				text:
					'Bitte prüfen.\n\n________________________________\nVon: Sparkasse ' +
					'<kundenservice@sparkasse-sicherheit.example>\n' +
					`Gesendet: ${daysAgo(0, 9).toUTCString()}\nAn: carla@example.test\nBetreff: Ihr ` +
					`Konto wurde eingeschränkt\n\n` +
					'Bitte bestätigen Sie Ihre Daten: https://www.sparkasse.de/login ' +
					'<http://sparkasse-sicherheit.example/login>\n',
				html:
					'<p>Bitte prüfen.</p><hr><p>Von: Sparkasse &lt;kundenservice@sparkasse-sicherheit.example&gt;<br>' +
					`Gesendet: ${daysAgo(0, 9).toUTCString()}<br>An: carla@example.test<br>Betreff: ` +
					`Ihr Konto wurde eingeschränkt</p>` +
					'<p>Bitte bestätigen Sie Ihre Daten: ' +
					'<a href="http://sparkasse-sicherheit.example/login">https://www.sparkasse.de/login</a></p>',
			}),
		},
		...(await reportedOutlookMsg()),
		...(await signalReports()),
	];
}

/** A user's report with the phish attached as .eml, as Gmail and Thunderbird forward as attachment. */
async function reportOf(reporter, phish) {
	return await compose({
		from: reporter,
		to: DEMO_MAILBOX,
		subject: `Phishing report: ${phish.subject}`,
		date: daysAgo(0, 13),
		text: 'This looks wrong, the mail is attached.\n',
		attachments: [{ filename: 'reported.eml', contentType: 'message/rfc822', content: await compose(phish) }],
	});
}

/**
 * Two reports for the triage signals: a QR code in an inline image ("quishing", which link scanners
 * do not read) and a phish whose link went through Microsoft Safe Links to a lookalike of PayPal.
 */
async function signalReports() {
	const quishing = {
		from: '"IT Service Desk" <it-desk@mfa-renewal.example>',
		to: 'erin@example.test',
		subject: 'Action required: renew your MFA today',
		date: daysAgo(0, 12),
		html: '<p>Your MFA enrolment expires today. Scan the code with your phone to renew it.</p><img src="cid:mfa-qr">',
		attachments: [
			{
				filename: 'mfa.png',
				cid: 'mfa-qr',
				content: await QRCode.toBuffer('https://mfa-renewal.example/enrol?u=erin'),
			},
		],
	};
	const target = 'https://paypal-account-review.example/signin';
	const safeLink =
		'https://eur02.safelinks.protection.outlook.com/' + `?url=${encodeURIComponent(target)}&data=05%7C02%7C&reserved=0`;
	const safeLinksPhish = {
		from: '"PayPal" <service@notice-paypal.example>',
		to: 'frank@example.test',
		subject: 'Unusual sign-in to your account',
		date: daysAgo(0, 12),
		html: `<p>We noticed an unusual sign-in. <a href="${safeLink}">Review your account</a></p>`,
	};
	return [
		{ seen: false, raw: await reportOf('Erin Engineer <erin@example.test>', quishing) },
		{ seen: false, raw: await reportOf('Frank Finance <frank@example.test>', safeLinksPhish) },
	];
}

function imapClient(server, user) {
	return new ImapFlow({
		host: server.host,
		port: server.port,
		secure: true,
		tls: { ca: server.ca },
		auth: { user, pass: server.password },
		logger: false,
	});
}

/** Appends the sample mail to the demo mailbox; returns how many messages its INBOX holds. */
async function seedDemoMailbox(server) {
	const client = imapClient(server, DEMO_MAILBOX);
	await client.connect();
	try {
		for (const message of await demoMessages()) {
			await client.append(message.folder || 'INBOX', message.raw, message.seen ? ['\\Seen'] : [], new Date());
		}
		const status = await client.status('INBOX', { messages: true });
		return status.messages;
	} finally {
		await client.logout();
	}
}

module.exports = { DEMO_MAILBOX, DEMO_ANALYST, demoMessages, imapClient, seedDemoMailbox };
