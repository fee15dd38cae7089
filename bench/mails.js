'use strict';
/** The benchmark's mail: typical SOC alerts (text, HTML, some with a PDF), the same for every seed. */
const crypto = require('node:crypto');

/** A deterministic pseudo-random source, so every run builds the same mailbox. */
function seeded(seed) {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const WORDS =
	'alert phishing report suspicious login from unknown device please review the attached invoice ' +
	'account verify password reset security team incident ticket escalation firewall blocked ' +
	'connection malware detected quarantine user mailbox forwarded message'.split(' ');

function wrapBase64(buffer) {
	return buffer.toString('base64').replace(/.{76}/g, '$&\r\n');
}

/**
 * One typical alert mail: text and HTML alternatives of `size` bytes of prose with a few IPs and
 * links; with `pdfBytes`, also a PDF attachment of that size.
 */
function typicalMail(index, { random, domain, to, bodyBytes, pdfBytes = 0 }) {
	const sentences = [];
	let length = 0;
	while (length < bodyBytes / 2) {
		const words = Array.from(
			{ length: 8 + Math.floor(random() * 10) },
			() => WORDS[Math.floor(random() * WORDS.length)],
		);
		const ip = `10.${index % 250}.${Math.floor(random() * 250)}.${Math.floor(random() * 250)}`;
		// About one sentence in four carries a link, as in an alert with a few case and portal links.
		const link = random() < 0.25 ? ` see https://portal.${domain}/case/${index}-${sentences.length}` : '';
		const sentence = `${words.join(' ')} source ${ip}${link}.`;
		sentences.push(sentence);
		length += sentence.length;
	}
	const text = sentences.join('\r\n');
	const paragraph = (s) => `<p>${s.replace(/(https:\S+)\./, '<a href="$1">$1</a>.')}</p>`;
	const html = `<html><body>${sentences.map(paragraph).join('\r\n')}</body></html>`;
	const boundary = `alt-${index}`;
	const alternative = [
		`--${boundary}`,
		'Content-Type: text/plain; charset=utf-8',
		'Content-Transfer-Encoding: 8bit',
		'',
		text,
		`--${boundary}`,
		'Content-Type: text/html; charset=utf-8',
		'Content-Transfer-Encoding: 8bit',
		'',
		html,
		`--${boundary}--`,
		'',
	].join('\r\n');
	const headers = [
		`Return-Path: <alerts@sender.${domain}>`,
		`Received: from mx.sender.${domain} (mx.sender.${domain} [192.0.2.${index % 250}]) ` +
			`by mail.${domain}; ${new Date(Date.UTC(2024, 0, 1, 0, 0, index)).toUTCString()}`,
		`From: Alerts <alerts@sender.${domain}>`,
		`To: ${to}`,
		`Subject: [ALERT-${index}] suspicious activity on host-${index % 97}`,
		`Date: ${new Date(Date.UTC(2024, 0, 1, 0, 0, index)).toUTCString()}`,
		`Message-ID: <bench-${index}@sender.${domain}>`,
		'MIME-Version: 1.0',
	];
	if (!pdfBytes)
		return Buffer.from(
			[...headers, `Content-Type: multipart/alternative; boundary="${boundary}"`, '', alternative].join('\r\n'),
		);
	const mixed = `mixed-${index}`;
	const pdf = Buffer.concat([
		Buffer.from('%PDF-1.4\n'),
		crypto.createHash('sha256').update(String(index)).digest(),
		Buffer.alloc(pdfBytes - 41, index % 256),
	]);
	return Buffer.from(
		[
			...headers,
			`Content-Type: multipart/mixed; boundary="${mixed}"`,
			'',
			`--${mixed}`,
			`Content-Type: multipart/alternative; boundary="${boundary}"`,
			'',
			alternative,
			`--${mixed}`,
			`Content-Type: application/pdf; name="report-${index}.pdf"`,
			`Content-Disposition: attachment; filename="report-${index}.pdf"`,
			'Content-Transfer-Encoding: base64',
			'',
			wrapBase64(pdf),
			`--${mixed}--`,
			'',
		].join('\r\n'),
	);
}

/** The anchors' mailbox: text+HTML of 2-7 KB, every tenth mail also with a 20 KB PDF. */
function typicalMails(count, { domain, to, seed = 7 }) {
	const random = seeded(seed);
	return Array.from({ length: count }, (_, index) =>
		typicalMail(index, {
			random,
			domain,
			to,
			bodyBytes: 2000 + Math.floor(random() * 5000),
			pdfBytes: index % 10 === 9 ? 20 * 1024 : 0,
		}),
	);
}

module.exports = { seeded, typicalMail, typicalMails };
