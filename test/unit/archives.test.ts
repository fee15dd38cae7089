import { randomBytes } from 'node:crypto';

import { ARCHIVE_LIMITS, listZip, newArchiveBudget } from '../../nodes/mail/analysis/archives';
import { zipOf } from '../helpers/signalMail';

/** A zip of `count` tiny entries: a real directory of that many records. */
function zipOfEntries(count: number): Buffer {
	const files: Record<string, Buffer> = {};
	for (let index = 0; index < count; index++) files[`file-${String(index).padStart(4, '0')}.txt`] = Buffer.from('x');
	return zipOf(files);
}

describe('zip listing bounds', () => {
	it('lists at most 1,000 entries of a directory and says how many it left out', async () => {
		const listing = await listZip(zipOfEntries(1200), newArchiveBudget());
		expect(listing.entries).toHaveLength(ARCHIVE_LIMITS.maxEntries);
		expect(listing.entries[999].name).toBe('file-0999.txt');
		expect(listing.errors).toEqual(['1200 entries: only the first 1000 are listed']);
	});

	it('lists a directory of exactly 1,000 entries whole, without an error', async () => {
		const listing = await listZip(zipOfEntries(1000), newArchiveBudget());
		expect(listing.entries).toHaveLength(1000);
		expect(listing.errors).toEqual([]);
	});

	it('opens inner zips only while the mail-wide decompression budget lasts (50 MB per mail)', async () => {
		expect(newArchiveBudget().inflateLeft).toBe(50 * 1024 * 1024);
		// Random bytes do not compress: each inner zip is about 600 KB, and so is its entry in the outer zip.
		const inner = (name: string) => zipOf({ [name]: randomBytes(600 * 1024) });
		const outer = zipOf({ 'one.zip': inner('a.bin'), 'two.zip': inner('b.bin'), 'three.zip': inner('c.exe') });
		const budget = { inflateLeft: 1300 * 1024 };
		const listing = await listZip(outer, budget);
		expect(listing.entries.map((entry) => [entry.name, entry.entries?.map((nested) => nested.name)])).toEqual([
			['one.zip', ['a.bin']],
			['two.zip', ['b.bin']],
			['three.zip', undefined],
		]);
		expect(listing.errors).toHaveLength(1);
		expect(listing.errors[0]).toMatch(/^"three\.zip" \(\d+ bytes\) was not opened: past the decompression bound$/);
		expect(budget.inflateLeft).toBeLessThan(200 * 1024);
	});
});
