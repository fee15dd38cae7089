import { PNG } from 'pngjs';

import { readQr } from '../../nodes/mail/analysis/qr';
import { qrPixels } from '../helpers/signalMail';

/** A PNG of a QR code's pixels, turned as given (light on dark when inverted). */
function png(pixels: { data: Buffer; width: number; height: number }, invert = false): Buffer {
	const image = new PNG({ width: pixels.width, height: pixels.height });
	pixels.data.copy(image.data);
	if (invert) for (let at = 0; at < image.data.length; at += 4) image.data.fill(255 - image.data[at], at, at + 3);
	return PNG.sync.write(image, { filterType: 0 });
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
