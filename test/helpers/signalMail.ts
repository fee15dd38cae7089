import { zipSync, type Zippable } from 'fflate';
import jpeg from 'jpeg-js';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { GifWriter } from 'omggif';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';

type Pixels = { data: Buffer; width: number; height: number };

/** A QR code's pixels (RGBA, dark on white, 4 modules of quiet zone), from the `qrcode` package's matrix. */
export function qrPixels(text: string, scale = 4): Pixels {
	const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
	const side = (modules.size + 8) * scale;
	const data = Buffer.alloc(side * side * 4, 255);
	for (let y = 0; y < side; y++) {
		for (let x = 0; x < side; x++) {
			const row = Math.floor(y / scale) - 4;
			const column = Math.floor(x / scale) - 4;
			const inside = row >= 0 && column >= 0 && row < modules.size && column < modules.size;
			if (inside && modules.data[row * modules.size + column]) data.fill(0, (y * side + x) * 4, (y * side + x) * 4 + 3);
		}
	}
	return { data, width: side, height: side };
}

/**
 * RGBA pixels as a PNG. `fast`: no row filter and a quick deflate, for large images (pngjs's filter
 * search takes minutes on them under jest).
 */
export function pngOf({ data, width, height }: Pixels, { fast = false } = {}): Buffer {
	const png = new PNG({ width, height });
	data.copy(png.data);
	return PNG.sync.write(png, fast ? { filterType: 0, deflateLevel: 1 } : {});
}

export function qrPng(text: string, scale = 4): Buffer {
	return pngOf(qrPixels(text, scale));
}

export function qrJpeg(text: string, scale = 4): Buffer {
	return jpeg.encode(qrPixels(text, scale), 90).data;
}

export function qrGif(text: string, scale = 4): Buffer {
	const { data, width, height } = qrPixels(text, scale);
	const indexed = Array.from({ length: width * height }, (_, index) => (data[index * 4] < 128 ? 0 : 1));
	const out = Buffer.alloc(width * height + 1024);
	const writer = new GifWriter(out, width, height, { palette: [0x000000, 0xffffff] });
	writer.addFrame(0, 0, width, height, indexed);
	return out.subarray(0, writer.end());
}

/** A zip of the given files (fflate), each stored or deflated as fflate chooses. */
export function zipOf(files: Record<string, Buffer | Zippable>): Buffer {
	const entries: Zippable = {};
	for (const [name, content] of Object.entries(files))
		entries[name] = Buffer.isBuffer(content) ? new Uint8Array(content) : content;
	return Buffer.from(zipSync(entries, { level: 6 }));
}

/** Sets the "encrypted" bit of every entry (local and central headers): a password-protected zip as listed. */
export function markEncrypted(zip: Buffer): Buffer {
	const out = Buffer.from(zip);
	for (let at = 0; at < out.length - 4; at++) {
		const signature = out.readUInt32LE(at);
		if (signature === 0x04034b50) out[at + 6] |= 1;
		if (signature === 0x02014b50) out[at + 8] |= 1;
	}
	return out;
}

/** A real mail as nodemailer's MailComposer writes it. */
export async function composeMail(options: Mail.Options): Promise<Buffer> {
	return await new MailComposer({ date: new Date('2026-12-01T09:00:00Z'), ...options }).compile().build();
}

/** A user's report of `originals`, each attached as message/rfc822. */
export async function reportOf(...originals: Buffer[]): Promise<Buffer> {
	return await composeMail({
		from: 'Reporter <reporter@corp.test>',
		to: 'soc@corp.test',
		subject: 'Phishing report',
		text: 'Please check the attached mail(s).',
		attachments: originals.map((content, index) => ({
			filename: `sample-${index + 1}.eml`,
			content,
			contentType: 'message/rfc822',
		})),
	});
}
