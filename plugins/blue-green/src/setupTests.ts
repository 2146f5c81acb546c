import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// The component tests drive MUI with user events; on a 2-core machine shared with the integration
// suites, one of them can take longer than Jest's 5 s default, and a render longer than Testing
// Library's 1 s wait, without anything being wrong.
jest.setTimeout(30_000);
configure({ asyncUtilTimeout: 10_000 });
