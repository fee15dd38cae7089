import { randomBytes } from 'node:crypto';

import { analyzeEmail } from '../../nodes/mail';
import { IMAGE_LIMITS } from '../../nodes/mail/analysis/qr';
import { composeMail, pngOf, qrGif, qrJpeg, qrPixels, qrPng, reportOf, zipOf } from '../helpers/signalMail';

/** A PNG whose header chunk claims `side` x `side` pixels (the data stays the small image's). */
function pngClaiming(side: number): Buffer {
	const png = Buffer.from(qrPng('https://big.evil.test/'));
	png.writeUInt32BE(side, 16);
	png.writeUInt32BE(side, 20);
	return png;
}

/** A JPEG whose frame header claims `side` x `side` pixels. */
function jpegClaiming(side: number): Buffer {
	const jpeg = Buffer.from(qrJpeg('https://big.evil.test/'));
	const frame = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
	jpeg.writeUInt16BE(side, frame + 5);
	jpeg.writeUInt16BE(side, frame + 7);
	return jpeg;
}

/** A zip whose end-of-directory record claims `count` entries. */
function zipClaiming(count: number): Buffer {
	const zip = Buffer.from(zipOf({ 'a.txt': Buffer.from('a'), 'b.txt': Buffer.from('b') }));
	const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
	zip.writeUInt16LE(count, end + 8);
	zip.writeUInt16LE(count, end + 10);
	return zip;
}

/** Two entries whose directory records point at the same local data: the overlapping-entry bomb. */
function overlappingZip(): Buffer {
	const zip = Buffer.from(zipOf({ 'kernel.bin': Buffer.alloc(4096), 'copy.bin': Buffer.alloc(4096) }));
	const second = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
	zip.writeUInt32LE(0, second + 42);
	return zip;
}

const cut = (bytes: Buffer) => bytes.subarray(0, Math.floor(bytes.length / 2));

/** A PNG of `side` x `side` random pixels: the costliest picture for a QR search (jsQR tries every speck). */
function noisePng(side: number): Buffer {
	return pngOf({ data: randomBytes(side * side * 4), width: side, height: side }, { fast: true });
}

/** A white PNG of `side` x `side` pixels with a QR code in its middle. */
function qrOnCanvasPng(text: string, side: number, scale: number): Buffer {
	const code = qrPixels(text, scale);
	const canvas = Buffer.alloc(side * side * 4, 255);
	const left = Math.floor((side - code.width) / 2);
	for (let row = 0; row < code.height; row++)
		code.data.copy(canvas, ((left + row) * side + left) * 4, row * code.width * 4, (row + 1) * code.width * 4);
	return pngOf({ data: canvas, width: side, height: side }, { fast: true });
}

describe('Analyze Email signals on hostile files: analysed or flagged, never a crash, within bounds', () => {
	it('cut and oversized images, lying and bombing zips, 30 images: errors and signals, with time and memory recorded', async () => {
		const bomb = zipOf({ 'zeros.bin': Buffer.alloc(64 * 1024 * 1024) });
		const images = Array.from({ length: 30 }, (_, index) => ({
			filename: `qr-${index + 1}.png`,
			content: qrPng(`https://q${index + 1}.evil.test/`),
		}));
		const sample = await composeMail({
			from: 'Evil <evil@evil.test>',
			to: 'victim@corp.test',
			subject: 'Hostile files',
			text: 'see attachments',
			attachments: [
				{ filename: 'cut.png', content: cut(qrPng('https://cut.evil.test/')) },
				{ filename: 'cut.jpg', content: cut(qrJpeg('https://cut.evil.test/')) },
				{ filename: 'cut.gif', content: cut(qrGif('https://cut.evil.test/')) },
				{ filename: 'huge.png', content: pngClaiming(20000) },
				{ filename: 'huge.jpg', content: jpegClaiming(30000) },
				{ filename: 'liar.zip', content: zipClaiming(500) },
				{ filename: 'bomb.zip', content: bomb },
				{ filename: 'nested-bomb.zip', content: zipOf({ 'inner.zip': bomb }) },
				{ filename: 'big-inner.zip', content: zipOf({ 'inner.zip': zipOf({ 'noise.bin': randomBytes(1_500_000) }) }) },
				{ filename: 'overlap.zip', content: overlappingZip() },
				{ filename: 'cut.zip', content: cut(zipOf({ 'x.exe': Buffer.alloc(10_000, 1) })) },
				...images,
			],
		});
		const before = process.memoryUsage().rss;
		const cpu = process.cpuUsage();
		const started = Date.now();
		const { analysis } = await analyzeEmail(await reportOf(sample));
		const used = process.cpuUsage(cpu);
		const figures = {
			bytes: sample.length,
			wall_ms: Date.now() - started,
			cpu_ms: Math.round((used.user + used.system) / 1000),
			rss_growth_mb: Math.round((process.memoryUsage().rss - before) / 1024 / 1024),
		};
		console.log('hostile mail analysed:', figures);
		// Generous for a shared machine; the bench holds the real figure.
		expect(figures.cpu_ms).toBeLessThan(15_000);
		expect(figures.rss_growth_mb).toBeLessThan(600);

		const original = analysis.original!;
		const errors = (file: string) =>
			original.errors.filter((entry) => entry.file === file).map((entry) => entry.reason);
		expect(errors('cut.png')).toEqual([expect.stringMatching(/^the PNG image could not be read/)]);
		expect(errors('cut.jpg').concat(errors('cut.gif'))).toHaveLength(2);
		expect(errors('huge.png')).toEqual([
			'the PNG image could not be read: 20000 x 20000 pixels, past the 4000 x 4000 read for QR codes',
		]);
		expect(errors('huge.jpg')).toEqual([
			expect.stringMatching(/^the JPEG image could not be read: .*maxResolutionInMP/),
		]);
		expect(errors('liar.zip')).toEqual([expect.stringMatching(/^the directory breaks off after 2 of 500 entries/)]);
		expect(errors('big-inner.zip')).toEqual([
			expect.stringMatching(/^"inner.zip" \(\d+ bytes\) was not opened: past the decompression bound$/),
		]);
		expect(errors('cut.zip')).toEqual([expect.stringMatching(/^not a readable zip/)]);
		const archive = original.signals.find((entry) => entry.id === 'archive')!;
		expect(archive.severity).toBe('high');
		expect(archive.evidence).toEqual(
			expect.arrayContaining([
				'bomb.zip: 1 entries expand to 67108864 bytes from 65314 (a zip bomb)'.replace(
					'65314',
					String(original.attachments.find((part) => part.filename === 'bomb.zip')!.entries![0].compressed_size),
				),
				expect.stringMatching(/^nested-bomb\.zip: inner\.zip: 1 entries expand to 67108864 bytes/),
				"overlap.zip: 1 entries overlap another's data (a zip bomb's construction)",
			]),
		);
		// 30 images: 20 read (the cut and oversized ones among them), the rest named.
		const decoded = original.urls.filter((url) => url.source === 'qr');
		expect(decoded).toHaveLength(15);
		const skipped = original.errors
			.filter((entry) => /past the 20 images/.test(entry.reason))
			.map((entry) => entry.file);
		expect(skipped).toEqual(images.slice(15).map((image) => image.filename));
		expect(analysis.signal_ids).toEqual(expect.arrayContaining(['qr_code', 'archive']));
	}, 120_000);

	it('large images and pixel noise: averaged down before the search, the time of one mail bounded', async () => {
		const noise = Array.from({ length: 10 }, (_, index) => ({
			filename: `noise-${index + 1}.png`,
			content: noisePng(600),
		}));
		const posterPng = qrOnCanvasPng('https://poster.evil.test/', 3000, 12);
		const sample = await composeMail({
			from: 'Evil <evil@evil.test>',
			to: 'victim@corp.test',
			subject: 'Scan me',
			text: 'see attachments',
			attachments: [
				// 9 MP: searched at a third of its size, where the code keeps 4 px per module.
				{ filename: 'poster.png', content: posterPng },
				...noise,
			],
		});
		const cpu = process.cpuUsage();
		const { analysis } = await analyzeEmail(sample);
		const used = process.cpuUsage(cpu);
		const cpuMs = Math.round((used.user + used.system) / 1000);
		const message = analysis.reporter;
		const skipped = message.errors.filter((entry) => /past the 1500 ms of CPU for reading images/.test(entry.reason));
		console.log('noise images:', { bytes: sample.length, cpu_ms: cpuMs, skipped: skipped.length });
		expect(message.urls.filter((url) => url.source === 'qr').map((url) => url.url)).toEqual([
			'https://poster.evil.test/',
		]);
		// Read until the mail's image time is spent, the rest named. The whole analysis took 2.4 s of CPU
		// in plain Node and 4-7 s under jest (pngjs runs slower there); unbounded, jsQR alone spends 0.7 s
		// on each noise image and again as much for its light-on-dark attempt: 14 s more.
		expect(skipped.length).toBeGreaterThan(0);
		expect(skipped.map((entry) => entry.file)).toEqual(noise.slice(-skipped.length).map((image) => image.filename));
		expect(cpuMs).toBeLessThan(IMAGE_LIMITS.cpuMsPerMail + 12_000);
	}, 120_000);
});
