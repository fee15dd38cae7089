/** Unit tests run alone; integration and host tests share the real mail servers started once. */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	globalSetup: '<rootDir>/test/setup/globalSetup.js',
	globalTeardown: '<rootDir>/test/setup/globalTeardown.js',
	testTimeout: 60000,
	maxWorkers: 2,
	// The summary names the extended-corpus tests left out when ../shared/corpus is not there.
	reporters: ['default', '<rootDir>/test/setup/corpusReporter.js'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
};
