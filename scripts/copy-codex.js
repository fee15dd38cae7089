// Codex files (*.node.json) describe categories and docs to n8n; tsc does not copy them.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
for (const dir of fs.readdirSync(path.join(root, 'nodes'))) {
	const folder = path.join(root, 'nodes', dir);
	if (!fs.statSync(folder).isDirectory()) continue;
	for (const file of fs.readdirSync(folder).filter((name) => name.endsWith('.node.json'))) {
		fs.mkdirSync(path.join(root, 'dist', 'nodes', dir), { recursive: true });
		fs.copyFileSync(path.join(folder, file), path.join(root, 'dist', 'nodes', dir, file));
	}
}
