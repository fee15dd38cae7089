import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A small seeded generator (mulberry32): the same seed gives the same scenarios on every run. */
export function seededRandom(seed: number) {
	let state = seed >>> 0;
	const next = () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	return {
		next,
		/** A whole number in [min, max]. */
		int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
		pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)],
		shuffle<T>(list: readonly T[]): T[] {
			const copy = [...list];
			for (let i = copy.length - 1; i > 0; i--) {
				const j = Math.floor(next() * (i + 1));
				[copy[i], copy[j]] = [copy[j], copy[i]];
			}
			return copy;
		},
	};
}

/** Prints a table of figures into the test output (jest shows console.log with its origin). */
export function printTable(title: string, rows: Array<Record<string, string | number>>): void {
	const columns = Object.keys(rows[0] ?? {});
	const width = (column: string) => Math.max(column.length, ...rows.map((row) => String(row[column]).length));
	const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(width(columns[i]))).join('  ');
	console.log(
		[title, line(columns), ...rows.map((row) => line(columns.map((column) => String(row[column]))))].join('\n'),
	);
}

/** Temporary folders for one test file, removed in its afterAll (`scratch.removeAll`). */
export function scratchFolders() {
	const made: string[] = [];
	return {
		make(prefix: string): string {
			const directory = mkdtempSync(join(tmpdir(), prefix));
			made.push(directory);
			return directory;
		},
		removeAll(): void {
			for (const directory of made.splice(0)) rmSync(directory, { recursive: true, force: true });
		},
	};
}
