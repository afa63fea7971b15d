// Helpers for tests that drive the simulator as a person would (its OAuth pages) or that need
// a JWT bearer certificate. Exported as `@sf-link/simulator/testing`.
export { authorizeWithForms, type FormLogin } from './oauth-forms.js'
export { createSelfSignedCertificate, type TestCertificate } from './certificate.js'
