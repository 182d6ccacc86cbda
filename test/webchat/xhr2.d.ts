/** `xhr2` ships no types: an XMLHttpRequest for Node, used to run botframework-directlinejs in tests. */
declare module 'xhr2' {
  const XMLHttpRequest: unknown;
  export default XMLHttpRequest;
}
