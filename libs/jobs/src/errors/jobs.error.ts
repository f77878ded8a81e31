/** Base class of every error this library throws, so callers can catch them all at once. */
export class JobsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}
