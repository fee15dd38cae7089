/** A mail from the attacker with a text part and one base64 attachment, as raw text for APPEND. */
export function mailWithAttachment(
	name: string,
	content: Buffer,
	messageId: string,
	subject = 'big attachment',
): string {
	return [
		'From: attacker@example.test',
		'To: soc@example.test',
		`Subject: ${subject}`,
		`Message-ID: ${messageId}`,
		'MIME-Version: 1.0',
		'Content-Type: multipart/mixed; boundary="b1"',
		'',
		'--b1',
		'Content-Type: text/plain',
		'',
		'see attached',
		'--b1',
		`Content-Type: application/octet-stream; name="${name}"`,
		`Content-Disposition: attachment; filename="${name}"`,
		'Content-Transfer-Encoding: base64',
		'',
		content.toString('base64').replace(/.{76}/g, '$&\r\n'),
		'--b1--',
		'',
	].join('\r\n');
}

/** A plain-text mail from a reporter to the SOC, as raw text for APPEND. */
export function plainMail(subject: string, messageId: string, body = `Body of ${subject}`): string {
	const headers = ['From: Reporter <reporter@example.test>', 'To: soc@example.test', `Subject: ${subject}`];
	headers.push('Date: Mon, 07 Dec 2026 09:00:00 +0000', `Message-ID: <${messageId}>`, 'MIME-Version: 1.0');
	return [...headers, 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n');
}
