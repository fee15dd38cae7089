const { src, dest } = require('gulp');

// tsc emits only JavaScript: node and credential icons are copied beside the compiled files.
function copyIcons() {
	src('nodes/**/*.{png,svg}').pipe(dest('dist/nodes'));
	return src('credentials/**/*.{png,svg}').pipe(dest('dist/credentials'));
}

exports['build:icons'] = copyIcons;
