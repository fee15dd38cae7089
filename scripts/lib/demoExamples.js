'use strict';
/** The example workflows of examples/ that `npm start` imports, checked against what the built package offers. */
const fs = require('node:fs');
const path = require('node:path');

const PACKAGE_ROOT = path.join(__dirname, '..', '..');
const EXAMPLES_DIR = path.join(PACKAGE_ROOT, 'examples');

function readJson(file, fallback) {
	try {
		return JSON.parse(fs.readFileSync(file, 'utf8'));
	} catch {
		return fallback;
	}
}

/**
 * What the built package offers, read from its node descriptions in dist/:
 * `{ 'n8n-nodes-mailbox.email': Set<operation>, 'n8n-nodes-mailbox.emailTrigger': Set<> }`.
 */
function builtNodeTypes() {
	const manifest = readJson(path.join(PACKAGE_ROOT, 'package.json'), {});
	const types = {};
	for (const file of manifest.n8n.nodes) {
		const compiled = path.join(PACKAGE_ROOT, file);
		if (!fs.existsSync(compiled)) continue;
		for (const NodeClass of Object.values(require(compiled))) {
			if (typeof NodeClass !== 'function') continue;
			const { description } = new NodeClass();
			const operation = description.properties.find((property) => property.name === 'operation');
			types[`n8n-nodes-mailbox.${description.name}`] = new Set(
				(operation?.options ?? []).map((option) => option.value),
			);
		}
	}
	return types;
}

/** Why an example workflow cannot run in the built package yet (a missing node or operation), or undefined. */
function missingFeature(workflow, types) {
	for (const node of workflow.nodes) {
		if (!node.type.startsWith('n8n-nodes-mailbox.')) continue;
		// n8n 2.x derives the agent tools `emailTool` and `emailHitlTool` from the node itself.
		const operations = types[node.type.replace(/(?:Hitl)?Tool$/, '')];
		if (!operations) return `node ${node.type}`;
		const operation = node.parameters?.operation;
		if (operation && !operations.has(operation)) return `operation ${operation} of ${node.type}`;
	}
	return undefined;
}

/** The example workflows in examples/, each with `missing` set when the built package cannot run it. */
function exampleWorkflows() {
	const types = builtNodeTypes();
	return fs
		.readdirSync(EXAMPLES_DIR)
		.filter((name) => name.endsWith('.json'))
		.sort()
		.map((name) => {
			const workflow = readJson(path.join(EXAMPLES_DIR, name));
			return { file: name, id: workflow.id, name: workflow.name, workflow, missing: missingFeature(workflow, types) };
		});
}

module.exports = { builtNodeTypes, exampleWorkflows, readJson };
