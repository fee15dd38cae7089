'use strict';
/**
 * Says at the end of a run what the extended corpus added: how many of its tests ran, or which were
 * left out because the corpus was not there (test titles end in "[extended corpus]", see
 * test/helpers/corpus.ts).
 */
const path = require('node:path');

const MARK = '[extended corpus]';

class CorpusReporter {
	constructor(globalConfig) {
		this.rootDir = globalConfig.rootDir;
		this.ran = [];
		this.leftOut = [];
	}

	onTestResult(_test, result) {
		const file = path.relative(this.rootDir, result.testFilePath);
		for (const assertion of result.testResults) {
			if (!assertion.title.endsWith(MARK)) continue;
			const name = `${file} › ${[...assertion.ancestorTitles, assertion.title].join(' › ')}`;
			(assertion.status === 'pending' ? this.leftOut : this.ran).push(name);
		}
	}

	onRunComplete() {
		const lines = [];
		if (this.ran.length) lines.push(`Extended corpus: ${this.ran.length} corpus test(s) ran.`);
		if (this.leftOut.length) {
			lines.push(
				`Extended corpus: ${this.leftOut.length} corpus test(s) left out, the corpus not being there ` +
					'(../shared/corpus beside the checkout, or MAILBOX_CORPUS_DIR / MAILBOX_MSG_CORPUS_DIR):',
				...this.leftOut.map((name) => `  - ${name}`),
			);
		}
		if (lines.length) process.stderr.write(`\n${lines.join('\n')}\n`);
	}
}

module.exports = CorpusReporter;
