import { crc32 } from 'node:zlib';

import { analyzeEmail, type AnalysisResult } from '../../nodes/mail';
import { PHISH, report } from '../fixtures/phish';
import { outlookMsg } from '../fixtures/outlookMsgs';
import { hostileMails } from '../reliability/hostileMail';

/**
 * What SPEC section 8 and issue 14 promise for hostile input: analysed or refused, each within this
 * much of the process's own CPU time (main thread and the .msg worker). Wall time is printed and
 * only bounded loosely: on a shared machine it measures the neighbours as much as the analysis.
 */
const BUDGET_MS = 1000;
const WALL_MS = 3 * BUDGET_MS;
/**
 * A busy CI machine adds to CPU time too (caches, frequency, GC threads), and to wall time far more
 * (a run of 800 ms of CPU once took 3.2 s while the n8n hosts started beside it): an attempt over
 * either bound is repeated, and the best of three of each counts. An input that really stalls the
 * analysis fails all three.
 */
const ATTEMPTS = 3;

interface Outcome {
	result?: AnalysisResult;
	error?: Error & { code?: string };
	ms: number;
	cpuMs: number;
	heapMb: number;
}

async function timed(bytes: Buffer): Promise<Outcome> {
	const heapBefore = process.memoryUsage().heapUsed;
	const cpu = process.cpuUsage();
	const started = performance.now();
	const outcome: Partial<Outcome> = {};
	try {
		outcome.result = await analyzeEmail(bytes, { trustedAuthservIds: ['mx.example.test'] });
	} catch (error) {
		outcome.error = error as Error;
	}
	const used = process.cpuUsage(cpu);
	return {
		...outcome,
		ms: performance.now() - started,
		cpuMs: (used.user + used.system) / 1000,
		heapMb: (process.memoryUsage().heapUsed - heapBefore) / 1e6,
	};
}

function mail(headers: string[], body: string | Buffer): Buffer {
	const head = [
		'From: Attacker <attacker@evil.test>',
		'To: victim@corp.test',
		'Subject: hostile',
		'Message-ID: <hostile@evil.test>',
		'MIME-Version: 1.0',
		...headers,
		'',
		'',
	].join('\r\n');
	return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1')]);
}

/** A ZIP archive of stored (uncompressed) files, as a reporter's "zip of the phishing mails" is. */
function zip(files: Array<{ name: string; content: Buffer }>): Buffer {
	const locals: Buffer[] = [];
	const central: Buffer[] = [];
	let offset = 0;
	for (const file of files) {
		const name = Buffer.from(file.name);
		const header = Buffer.alloc(30);
		header.writeUInt32LE(0x04034b50, 0);
		header.writeUInt16LE(20, 4);
		header.writeUInt32LE(crc32(file.content), 14);
		header.writeUInt32LE(file.content.length, 18);
		header.writeUInt32LE(file.content.length, 22);
		header.writeUInt16LE(name.length, 26);
		const entry = Buffer.alloc(46);
		entry.writeUInt32LE(0x02014b50, 0);
		entry.writeUInt16LE(20, 4);
		entry.writeUInt16LE(20, 6);
		header.copy(entry, 16, 14, 26);
		entry.writeUInt16LE(name.length, 28);
		entry.writeUInt32LE(offset, 42);
		locals.push(header, name, file.content);
		central.push(entry, name);
		offset += header.length + name.length + file.content.length;
	}
	const directory = Buffer.concat(central);
	const end = Buffer.alloc(22);
	end.writeUInt32LE(0x06054b50, 0);
	end.writeUInt16LE(files.length, 8);
	end.writeUInt16LE(files.length, 10);
	end.writeUInt32LE(directory.length, 12);
	end.writeUInt32LE(offset, 16);
	return Buffer.concat([...locals, directory, end]);
}

/** An attached mail inside an attached mail, `depth` levels. */
function rfc822Chain(depth: number): Buffer {
	let inner = 'From: a@deep.test\r\nSubject: innermost\r\nContent-Type: text/plain\r\n\r\nhttp://innermost.test/\r\n';
	for (let level = depth; level > 0; level--) {
		inner = `From: a@level${level}.test\r\nSubject: level ${level}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="c${level}"\r\n\r\n--c${level}\r\nContent-Type: text/plain\r\n\r\nlevel ${level}\r\n--c${level}\r\nContent-Type: message/rfc822\r\n\r\n${inner}\r\n--c${level}--\r\n`;
	}
	return Buffer.from(inner, 'latin1');
}

/** A simple .msg with its directory's sector chain pointing back at itself. */
function selfPointingMsg(): Buffer {
	const bytes = outlookMsg('simple.msg');
	const directorySector = bytes.readUInt32LE(0x30);
	const fatSector = bytes.readUInt32LE(0x4c + 4 * Math.floor(directorySector / 128));
	bytes.writeUInt32LE(directorySector, (fatSector + 1) * 512 + (directorySector % 128) * 4);
	return bytes;
}

const figures: Array<[string, Outcome]> = [];
afterAll(() => {
	console.log(
		figures
			.map(
				([name, o]) =>
					`${name.padEnd(34)} ${o.error ? 'refused ' : 'analysed'} wall ${o.ms.toFixed(0).padStart(4)} ms  cpu ${o.cpuMs.toFixed(0).padStart(4)} ms  heap ${o.heapMb.toFixed(1)} MB`,
			)
			.join('\n'),
	);
});

/** A reported phish with HTML, links and the phish attached: what a running n8n has already analysed. */
const WARM_UP = report(PHISH);

async function within(name: string, bytes: Buffer): Promise<Outcome> {
	// The process's first analyses load and compile the parsers: n8n pays that once, not per mail.
	for (let round = 0; round < 2; round++) await timed(WARM_UP);
	let outcome = await timed(bytes);
	let fastestMs = outcome.ms;
	for (let attempt = 1; attempt < ATTEMPTS && (outcome.cpuMs >= BUDGET_MS || fastestMs >= WALL_MS); attempt++) {
		const again = await timed(bytes);
		if (again.cpuMs < outcome.cpuMs) outcome = again;
		fastestMs = Math.min(fastestMs, again.ms);
	}
	figures.push([name, outcome]);
	expect(outcome.cpuMs).toBeLessThan(BUDGET_MS);
	expect(fastestMs).toBeLessThan(WALL_MS);
	return outcome;
}

describe('Analyze Email on hostile input: analysed or refused with a reason, each within a second', () => {
	it('1 MB of "http://" repeated', async () => {
		const body = 'http://'.repeat(Math.ceil((1024 * 1024) / 7));
		const { result, error } = await within('1 MB of http://', mail(['Content-Type: text/plain'], body));
		expect(error).toBeUndefined();
		// linkify-it reads "http://http:" as one link to the host "http"; nothing else is a URL.
		expect(result!.analysis.reporter.urls.map((url) => url.url)).toEqual(['http://http/']);
	});

	it('1 MB of "hxxp://a[.]b" repeated (refanged first) and of "a@" repeated', async () => {
		const defanged = await within(
			'1 MB of hxxp://a[.]b/',
			mail(['Content-Type: text/plain'], 'hxxp://a[.]b/ '.repeat(75_000)),
		);
		expect(defanged.result!.analysis.iocs.urls).toEqual(['http://a.b/']);
		const ats = await within('1 MB of a@', mail(['Content-Type: text/plain'], 'a@'.repeat(512 * 1024)));
		expect(ats.result!.analysis.iocs.emails).toEqual(['attacker@evil.test']);
	});

	it('1 MB of words that look like host names, each different', async () => {
		const words = Array.from({ length: 110_000 }, (_, index) => (index % 2 ? `x${index}.zz` : `h${index}[.]test`)).join(
			' ',
		);
		const { result } = await within('1 MB of host-like words', mail(['Content-Type: text/plain'], words));
		expect(result!.analysis.iocs.domains.length).toBeGreaterThanOrEqual(1000);
		expect(result!.analysis.iocs.domains).not.toContain('x1.zz');
	});

	it('1 MB of hex digits between colons and dots', async () => {
		const { result } = await within(
			'1 MB of a:1.b:2',
			mail(['Content-Type: text/plain'], 'a:1.b:2 ab::cd:'.repeat(70_000)),
		);
		// "ab::cd:a:1" (where one repeat meets the next) is an address; nothing else is.
		expect(result!.analysis.iocs.ips).toEqual(['ab::cd:a:1']);
	});

	it('10,000 links in HTML: the first 1000 listed, the cut said', async () => {
		const links = Array.from(
			{ length: 10_000 },
			(_, index) => `<a href="https://host${index}.evil.test/p">paypal.com</a>`,
		).join('\n');
		const { result } = await within(
			'10,000 links',
			mail(['Content-Type: text/html'], `<html><body>${links}</body></html>`),
		);
		const reporter = result!.analysis.reporter;
		expect(reporter.urls).toHaveLength(1000);
		expect(reporter.urls.every((url) => url.mismatched)).toBe(true);
		expect(reporter.warnings?.join(' ')).toMatch(/only the first 1000/);
	});

	it('mail attached in mail 100 levels deep: unwrapped to Max Depth, the rest named', async () => {
		const { result } = await within('message/rfc822 100 deep', rfc822Chain(100));
		const { messages, original } = result!.analysis;
		expect(messages.map((message) => message.depth)).toEqual([0, 1, 2, 3]);
		expect(original!.subject).toBe('level 4');
		expect(original!.warnings?.join(' ')).toMatch(/Max Depth \(3\) reached/);
	});

	it('multipart nested 100 levels deep', async () => {
		const hostile = hostileMails().find((entry) => entry.name === 'nested-100')!;
		const { result } = await within('multipart 100 deep', hostile.raw);
		expect(result!.analysis.messages).toHaveLength(1);
	});

	it('an Outlook .msg whose sector chain points into itself: refused, and skipped when attached', async () => {
		const msg = selfPointingMsg();
		const alone = await within('.msg pointing into itself', msg);
		expect(alone.error?.code).toBe('INVALID_INPUT');
		expect(alone.error?.message).toMatch(/Outlook \.msg file cannot be read .*damaged or crafted/);
		const attached = mail(
			['Content-Type: multipart/mixed; boundary="m"'],
			`--m\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--m\r\nContent-Type: application/vnd.ms-outlook; name="phish.msg"\r\nContent-Disposition: attachment; filename="phish.msg"\r\nContent-Transfer-Encoding: base64\r\n\r\n${msg.toString('base64')}\r\n--m--\r\n`,
		);
		const { result } = await within('.msg pointing into itself, attached', attached);
		expect(result!.analysis.messages).toHaveLength(1);
		expect(result!.analysis.reporter.warnings?.join(' ')).toMatch(
			/"phish\.msg" was not unwrapped: The Outlook \.msg file cannot be read/,
		);
		expect(result!.analysis.reporter.attachments[0].sha256).toHaveLength(64);
		// The worker was replaced: the next .msg reads as usual.
		const simple = await within('.msg after the hostile one', outlookMsg('simple.msg'));
		expect(simple.error).toBeUndefined();
	});

	it('a zip of mails: refused as input with what to do, hashed when attached', async () => {
		const archive = zip([
			{ name: 'one.eml', content: mail([], 'one\r\n') },
			{ name: 'two.eml', content: mail([], 'two\r\n') },
		]);
		const alone = await within('zip of mails', archive);
		expect(alone.error?.message).toMatch(/ZIP archive, not a mail: unpack it first/);
		const attached = mail(
			['Content-Type: multipart/mixed; boundary="z"'],
			`--z\r\nContent-Type: text/plain\r\n\r\nzip\r\n--z\r\nContent-Type: application/zip; name="mails.zip"\r\nContent-Transfer-Encoding: base64\r\n\r\n${archive.toString('base64')}\r\n--z--\r\n`,
		);
		const { result } = await within('zip of mails, attached', attached);
		expect(result!.analysis.iocs.hashes.map((hash) => hash.filename)).toEqual(['mails.zip']);
	});

	it('anything else is refused with the reason: not a mail, too large', async () => {
		await expect(analyzeEmail(Buffer.from('%PDF-1.7\n...'))).rejects.toThrow(
			/not an \.eml or Outlook \.msg file \(it starts with "%PDF-1\.7/,
		);
		await expect(analyzeEmail(mail([], 'x'), { maxBytes: 10 })).rejects.toThrow(
			/more than the 0 MB one analysis reads/,
		);
		await expect(analyzeEmail(mail([], 'x'), { maxDepth: 11 })).rejects.toThrow(
			/Max Depth must be a whole number from 0 to 10/,
		);
	});

	it('every hostile mail of the reliability suite', async () => {
		for (const hostile of hostileMails()) {
			const outcome = await within(`hostile ${hostile.name}`, hostile.raw);
			expect(outcome.error === undefined || outcome.error.code === 'INVALID_INPUT').toBe(true);
		}
	});
});
