import '@testing-library/jest-dom';

// The component tests drive MUI with user events; on a 2-core machine shared with the integration
// suites, one of them can take longer than Jest's 5 s default without anything being wrong.
jest.setTimeout(30_000);
