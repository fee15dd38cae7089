import { readQr } from '../../nodes/mail/analysis/qr';
import { pngOf, qrPixels } from '../helpers/signalMail';

/** A PNG of a QR code's pixels, turned as given (light on dark when inverted). */
function png(pixels: { data: Buffer; width: number; height: number }, invert = false): Buffer {
	const data = Buffer.from(pixels.data);
	if (invert) for (let at = 0; at < data.length; at += 4) data.fill(255 - data[at], at, at + 3);
	return pngOf({ ...pixels, data });
}

describe('QR codes as mail carries them', () => {
	it('reads a code drawn light on dark, as well as dark on light', () => {
		const pixels = qrPixels('https://inverted.evil.test/login');
		expect(readQr(png(pixels))).toEqual({ text: 'https://inverted.evil.test/login' });
		expect(readQr(png(pixels, true))).toEqual({ text: 'https://inverted.evil.test/login' });
	});

	it('gives nothing for an image without a code, light or dark', () => {
		const blank = { data: Buffer.alloc(200 * 200 * 4, 255), width: 200, height: 200 };
		expect(readQr(png(blank))).toEqual({});
		expect(readQr(png(blank, true))).toEqual({});
	});
});
