import { gzipSync } from 'node:zlib';

/** Generated hostile mail: each one aims at one way a parser can crash, hang or eat memory. */
export interface HostileMail {
	name: string;
	raw: Buffer;
	/** The Message-ID the item must carry (every generated mail has one, in a normal header). */
	messageId: string;
}

function headers(name: string, extra: string[] = []): { lines: string[]; messageId: string } {
	const messageId = `<hostile-${name}@reliability.test>`;
	return {
		messageId,
		lines: [
			'From: Attacker <attacker@example.test>',
			'To: soc@example.test',
			`Subject: hostile ${name}`,
			`Date: ${new Date().toUTCString()}`,
			`Message-ID: ${messageId}`,
			'MIME-Version: 1.0',
			...extra,
		],
	};
}

function mail(name: string, extraHeaders: string[], body: string | Buffer): HostileMail {
	const { lines, messageId } = headers(name, extraHeaders);
	return {
		name,
		messageId,
		raw: Buffer.concat([
			Buffer.from([...lines, '', ''].join('\r\n'), 'latin1'),
			Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1'),
		]),
	};
}

const base64Lines = (data: Buffer) => data.toString('base64').replace(/.{76}/g, '$&\r\n');

/** multipart inside multipart, `depth` levels, a text part at the bottom. */
function nested(depth: number): HostileMail {
	let body = 'Content-Type: text/plain\r\n\r\nbottom of the well\r\n';
	for (let level = depth; level > 0; level--) {
		body = `Content-Type: multipart/mixed; boundary="n${level}"\r\n\r\n--n${level}\r\n${body}\r\n--n${level}--\r\n`;
	}
	const [head, ...rest] = body.split('\r\n\r\n');
	return mail(`nested-${depth}`, [head], rest.join('\r\n\r\n'));
}

function manyParts(count: number): HostileMail {
	const parts: string[] = [];
	for (let i = 0; i < count; i++)
		parts.push(
			`--p\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="p${i}.bin"\r\n\r\n${i}\r\n`,
		);
	return mail(
		`parts-${count}`,
		['Content-Type: multipart/mixed; boundary="p"'],
		`--p\r\nContent-Type: text/plain\r\n\r\nmany parts\r\n${parts.join('')}--p--\r\n`,
	);
}

export function hostileMails(): HostileMail[] {
	const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024), { level: 9 });
	return [
		nested(100),
		nested(1000),
		manyParts(50_000),
		manyParts(500),
		mail('header-1mb', [`X-Padding: ${'A'.repeat(1024 * 1024)}`], 'one huge header line\r\n'),
		mail(
			'headers-folded-1mb',
			[`X-Folded: start${'\r\n x'.repeat(300_000)}`, `Received: ${'from relay '.repeat(10_000)}`],
			'many folded lines\r\n',
		),
		mail(
			'subject-100kb-encoded',
			[`X-Subject: =?utf-8?B?${Buffer.from('é'.repeat(50_000)).toString('base64')}?=`],
			'long encoded word\r\n',
		),
		mail(
			'charset-unknown',
			['Content-Type: text/plain; charset="x-no-such-charset"'],
			'caf\xe9 in an unknown charset\r\n',
		),
		mail(
			'charset-bad-utf8',
			['Content-Type: text/plain; charset=utf-8'],
			Buffer.from([0x66, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0x0d, 0x0a]),
		),
		mail(
			'charset-encoded-word',
			['X-Note: =?x-bogus?Q?caf=E9?= =?utf-8?B?!!!notbase64?='],
			'encoded words with bogus charsets\r\n',
		),
		mail(
			'base64-broken',
			['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64'],
			'SGVsbG8gd29ybGQ*&^%$#@!\r\nnot base64 at all ===\r\nQUJD\r\n',
		),
		mail(
			'base64-attachment-truncated',
			['Content-Type: multipart/mixed; boundary="t"'],
			`--t\r\nContent-Type: text/plain\r\n\r\ntext\r\n--t\r\nContent-Type: application/pdf; name="cut.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfs\r\nJVBER\r\n`,
		),
		mail(
			'zip-bomb-like',
			['Content-Type: multipart/mixed; boundary="z"'],
			`--z\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--z\r\nContent-Type: application/gzip; name="bomb.gz"\r\nContent-Disposition: attachment; filename="bomb.gz"\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(bomb)}\r\n--z--\r\n`,
		),
		mail(
			'nul-in-names',
			['Content-Type: multipart/mixed; boundary="u"'],
			Buffer.from(
				`--u\r\nContent-Type: text/plain\r\n\r\nnames\r\n--u\r\nContent-Type: application/octet-stream; name="inv\0oice.pdf\0.exe"\r\nContent-Disposition: attachment; filename="inv\0oice.pdf\0.exe"\r\n\r\nAAAA\r\n--u\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=utf-8''..%2F..%00%2Fetc%2Fpasswd\r\n\r\nBBBB\r\n--u--\r\n`,
				'latin1',
			),
		),
		mail(
			'boundary-never-closed',
			['Content-Type: multipart/mixed; boundary="open"'],
			'--open\r\nContent-Type: text/plain\r\n\r\nno closing boundary\r\n--open\r\nContent-Type: multipart/alternative; boundary="inner"\r\n\r\n--inner\r\n',
		),
		mail(
			'html-deep',
			['Content-Type: text/html; charset=utf-8'],
			`<html><body>${'<div>'.repeat(20_000)}deep${'</div>'.repeat(20_000)}<a href="https://evil.example/x">x</a></body></html>\r\n`,
		),
		mail('rfc822-chain-50', ['Content-Type: multipart/mixed; boundary="c0"'], rfc822Chain(50)),
	];
}

/** An attached mail inside an attached mail, `depth` times. */
function rfc822Chain(depth: number): string {
	let inner = 'From: a@example.test\r\nSubject: innermost\r\nContent-Type: text/plain\r\n\r\nthe end\r\n';
	for (let level = depth; level > 0; level--) {
		inner = `From: a@example.test\r\nSubject: level ${level}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="c${level}"\r\n\r\n--c${level}\r\nContent-Type: text/plain\r\n\r\nlevel ${level}\r\n--c${level}\r\nContent-Type: message/rfc822\r\n\r\n${inner}\r\n--c${level}--\r\n`;
	}
	return `--c0\r\nContent-Type: text/plain\r\n\r\nchain\r\n--c0\r\nContent-Type: message/rfc822\r\n\r\n${inner}\r\n--c0--\r\n`;
}
