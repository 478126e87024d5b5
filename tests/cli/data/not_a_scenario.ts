// A default export that is not a scenario: the command line must refuse it.
export default 42;
