const { defineConfig } = require('cypress');

module.exports = defineConfig({
  e2e: { baseUrl: 'http://localhost:8889', specPattern: 'tests/cypress/e2e/**/*.cy.js' },
});
