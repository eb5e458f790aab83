import { CeleriacError } from '../errors/celeriac-error';

/**
 * A follow-up (callback, chain step, errback, chord body, retry) cannot be planned: an option has a
 * value Celery would refuse, or the canvas type is one celeriac does not apply. Codes:
 * `CELERIAC_CANVAS_UNSUPPORTED`, `CELERIAC_CANVAS_BAD_OPTION`.
 */
export class CanvasError extends CeleriacError {}
