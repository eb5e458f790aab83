import { CeleriacError } from '../../errors/celeriac-error';

/** The enrollment does not exist (deleted, or a wrong id). Not worth a retry. */
export class EnrollmentNotFound extends CeleriacError {
  constructor(enrollmentId: string) {
    super('CELERIAC_CERTIFICATE_NO_ENROLLMENT', `enrollment ${enrollmentId} not found`);
  }
}

/** The enrollment's course is not completed yet: no certificate. */
export class EnrollmentNotCompleted extends CeleriacError {
  constructor(enrollmentId: string) {
    super('CELERIAC_CERTIFICATE_NOT_COMPLETED', `enrollment ${enrollmentId} has not completed its course`);
  }
}
