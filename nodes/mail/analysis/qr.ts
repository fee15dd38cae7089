import { createHash } from 'node:crypto';

import jpeg from 'jpeg-js';
import jsQR from 'jsqr';
import { GifReader } from 'omggif';
import { PNG } from 'pngjs';

import { detectKind } from './fileTypes';

/**
 * QR codes are read from images up to `maxSide` pixels a side and `maxImages` images per mail. jsQR's
 * time grows with the pixels it searches and with how busy they are: 1 MP of pixel noise costs it
 * about 2 s, 4 MP about 14 s (Node 20). So an image above `maxPixelsSearched` is averaged down by a
 * whole factor first (a code still keeps 3 px or more per module in any image where a phone could
 * read it), and one mail's images stop being read once they took `cpuMsPerMail` of CPU (CPU, not
 * wall time: a busy host must not read fewer images).
 */
export const IMAGE_LIMITS = { maxSide: 4000, maxImages: 20, maxPixelsSearched: 1_000_000, cpuMsPerMail: 1500 };

/** What one image gave: the QR code's text, or why it was not read. */
export interface QrReading {
	text?: string;
	error?: string;
	/** Why the image was left unread: one of the mail's bounds was spent. */
	skipped?: string;
}

/**
 * The images of one analysed mail: how many more may be decoded, and what each (by its SHA-256)
 * gave, so that an image seen again (an inline original carries its forward's attachments) is
 * neither decoded nor counted twice.
 */
export interface ImageBudget {
	left: number;
	/** CPU milliseconds of decoding and searching left for this mail's images. */
	cpuMsLeft: number;
	readings: Map<string, QrReading>;
}

export function newImageBudget(): ImageBudget {
	return { left: IMAGE_LIMITS.maxImages, cpuMsLeft: IMAGE_LIMITS.cpuMsPerMail, readings: new Map() };
}

interface Pixels {
	data: Uint8ClampedArray;
	width: number;
	height: number;
}

function checkSides(width: number, height: number): void {
	if (!(width > 0 && height > 0)) throw new Error('the image has no pixels');
	if (width > IMAGE_LIMITS.maxSide || height > IMAGE_LIMITS.maxSide) {
		throw new Error(
			`${width} x ${height} pixels, past the ${IMAGE_LIMITS.maxSide} x ${IMAGE_LIMITS.maxSide} read for QR codes`,
		);
	}
}

const clamped = (data: Uint8Array) => new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength);

/** PNG: the size from the header chunk (always first, at a fixed place) is checked before pngjs inflates. */
function pngPixels(content: Buffer): Pixels {
	if (content.length < 24 || content.toString('latin1', 12, 16) !== 'IHDR') throw new Error('no PNG header chunk');
	checkSides(content.readUInt32BE(16), content.readUInt32BE(20));
	const image = PNG.sync.read(content);
	return { data: clamped(image.data), width: image.width, height: image.height };
}

/** JPEG: jpeg-js checks the frame's pixel count against the bound before it allocates. */
function jpegPixels(content: Buffer): Pixels {
	const maxResolutionInMP = (IMAGE_LIMITS.maxSide * IMAGE_LIMITS.maxSide) / 1e6;
	const image = jpeg.decode(content, {
		useTArray: true,
		formatAsRGBA: true,
		maxResolutionInMP,
		maxMemoryUsageInMB: 256,
	});
	checkSides(image.width, image.height);
	return { data: clamped(image.data), width: image.width, height: image.height };
}

/** GIF: the first frame, its size and the screen's checked before omggif decodes it. */
function gifPixels(content: Buffer): Pixels {
	const reader = new GifReader(content);
	if (reader.numFrames() === 0) throw new Error('the GIF has no frame');
	const frame = reader.frameInfo(0);
	checkSides(reader.width, reader.height);
	checkSides(frame.width, frame.height);
	if (frame.x + frame.width > reader.width || frame.y + frame.height > reader.height)
		throw new Error('the GIF frame lies outside its screen');
	const data = new Uint8Array(reader.width * reader.height * 4);
	reader.decodeAndBlitFrameRGBA(0, data);
	return { data: clamped(data), width: reader.width, height: reader.height };
}

const DECODERS = { png: pngPixels, jpeg: jpegPixels, gif: gifPixels } as const;

/** An image above `maxPixelsSearched`, averaged down by the smallest whole factor that brings it below. */
function searchable(image: Pixels): Pixels {
	const factor = Math.ceil(Math.sqrt((image.width * image.height) / IMAGE_LIMITS.maxPixelsSearched));
	if (factor <= 1) return image;
	const width = Math.floor(image.width / factor);
	const height = Math.floor(image.height / factor);
	const data = new Uint8ClampedArray(width * height * 4);
	const area = factor * factor;
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			let red = 0;
			let green = 0;
			let blue = 0;
			for (let row = y * factor; row < (y + 1) * factor; row++) {
				for (let at = (row * image.width + x * factor) * 4, end = at + factor * 4; at < end; at += 4) {
					red += image.data[at];
					green += image.data[at + 1];
					blue += image.data[at + 2];
				}
			}
			const out = (y * width + x) * 4;
			data[out] = red / area;
			data[out + 1] = green / area;
			data[out + 2] = blue / area;
			data[out + 3] = 255;
		}
	}
	return { data, width, height };
}

/** Whether an attachment is an image QR codes are read from (by its leading bytes, not its name). */
export function isQrImage(content: Buffer): boolean {
	const kind = detectKind(content);
	return kind === 'png' || kind === 'jpeg' || kind === 'gif';
}

/** The text of the QR code in an image; `{}` for an image without one; `{error}` for one that cannot be read. */
export function readQr(content: Buffer): QrReading {
	const kind = detectKind(content) as keyof typeof DECODERS;
	try {
		const { data, width, height } = searchable(DECODERS[kind](content));
		// Light-on-dark codes too (quishing mail uses them to slip past readers that try only dark on
		// light): an image without a code is searched twice, within the mail's CPU budget.
		const code = jsQR(data, width, height, { inversionAttempts: 'attemptBoth' });
		return code?.data ? { text: code.data } : {};
	} catch (error) {
		return { error: `the ${kind.toUpperCase()} image could not be read: ${(error as Error).message}` };
	}
}

/** An image's QR reading within the mail's budgets; `skipped` once one of them is spent. */
export function readQrWithin(content: Buffer, budget: ImageBudget): QrReading {
	const key = createHash('sha256').update(content).digest('hex');
	const known = budget.readings.get(key);
	if (known) return known;
	let reading: QrReading;
	if (budget.left <= 0) reading = { skipped: `past the ${IMAGE_LIMITS.maxImages} images read per mail` };
	else if (budget.cpuMsLeft <= 0)
		reading = { skipped: `past the ${IMAGE_LIMITS.cpuMsPerMail} ms of CPU for reading images per mail` };
	else {
		const before = process.cpuUsage();
		reading = readQr(content);
		const used = process.cpuUsage(before);
		budget.cpuMsLeft -= (used.user + used.system) / 1000;
		budget.left--;
	}
	budget.readings.set(key, reading);
	return reading;
}

/** QR text -> a URL to judge: as written, or a bare host and path ("evil.example/login") as https. */
export function qrUrl(text: string): string | undefined {
	const trimmed = text.trim().replace(/^URLTO:/i, '');
	if (/^https?:\/\//i.test(trimmed)) return trimmed;
	return /^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?:[/?#:]\S*)?$/i.test(trimmed) ? `https://${trimmed}` : undefined;
}
