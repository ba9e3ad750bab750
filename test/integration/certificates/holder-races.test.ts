import { expect } from "chai";
import { createAuditService } from "../../../server/audit/index.js";
import { createCertificatesFeature, type CertificatesDeps } from "../../../server/certificates/index.js";
import { publishedResults } from "../../../server/exams/index.js";
import { createOrganisationService, divisionFullName } from "../../../server/organisation/index.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { createSchedulingService } from "../../../server/scheduling/index.js";
import { accessTrustingActors } from "../../helpers/access.js";
import {
  anotherInstance,
  aPass,
  expectNothingIssued,
  issueError,
  officer,
  pendingIssuanceOf,
  startCertNode,
  type TestNode,
} from "./support.js";

/**
 * Issuance reads the holder's registration before it seals and signs, then writes in its own
 * transaction: a withdrawal or a name correction committed in between (an officer's registration
 * correction, allowed once the session has ended) must stop it, not leave a certificate issued to a
 * withdrawn registration or printed with the name the officer has just corrected.
 */
describe("certificate issuance: the holder's registration changing while it issues", function () {
  this.timeout(60_000);
  let node: TestNode;
  before(async () => {
    node = await startCertNode();
  });
  after(async () => node.stop());
  const candidates = () => node.ctx.conn.collection("candidates");

  /** An instance whose registration and result ports run `hooks` at the named moments. */
  function instanceWith(hooks: {
    afterCandidateRead?: (candidateId: string) => Promise<void>;
    insideTransaction?: (attemptId: string) => Promise<void>;
  }) {
    const { conn, config } = node.ctx;
    const registration = createRegistrationService(conn, {
      timeZone: config.timeZone,
      provinceCode: config.provinceCode,
    });
    const organisation = createOrganisationService(conn, config.provinceCode, undefined, {
      timeZone: config.timeZone,
    });
    const scheduling = createSchedulingService(conn, {
      timeZone: config.timeZone,
      provinceCode: config.provinceCode,
      organisation,
      registration,
    });
    const results = publishedResults(conn);
    const candidatesPort: CertificatesDeps["candidates"] = {
      ...registration,
      async getCandidate(id) {
        const read = await registration.getCandidate(id);
        await hooks.afterCandidateRead?.(id);
        return read;
      },
    };
    return createCertificatesFeature(node.ctx, {
      candidates: candidatesPort,
      sessions: scheduling,
      results: {
        isPublished: (id, tx) => results.isPublished(id, tx),
        async isOfficialPass(attemptId, tx) {
          const official = await results.isOfficialPass(attemptId, tx);
          if (tx) await hooks.insideTransaction?.(attemptId);
          return official;
        },
      },
      divisionName: divisionFullName,
      access: accessTrustingActors(scheduling),
      audit: createAuditService(conn),
    });
  }

  it("when the registration is withdrawn after issuance read it and before its transaction, then issuing is refused candidate_withdrawn and nothing is issued", async () => {
    const pass = await aPass(node);
    const pending = await pendingIssuanceOf(anotherInstance(node), pass);
    const inst = instanceWith({
      afterCandidateRead: async () => {
        await candidates().updateOne(
          { idNumber: pass.idNumber },
          { $set: { withdrawnAt: new Date(), withdrawReason: "本人申请" } },
        );
      },
    });
    expect(await issueError(inst, pending)).to.include({ code: "candidate_withdrawn", status: 409 });
    await expectNothingIssued(node, pass);
  });

  it("when the holder's name is corrected while the issuing transaction runs, then issuing is refused holder_changed, nothing is issued, and issuing again prints the corrected name", async () => {
    const pass = await aPass(node, "01001", { candidate: { name: "李原名" } });
    const pending = await pendingIssuanceOf(anotherInstance(node), pass);
    let corrected = false;
    const inst = instanceWith({
      insideTransaction: async () => {
        if (corrected) return;
        corrected = true;
        // Committed outside the issuing transaction, after its snapshot was taken.
        await candidates().updateOne({ idNumber: pass.idNumber }, { $set: { name: "李更正" } });
      },
    });
    expect(await issueError(inst, pending)).to.include({ code: "holder_changed", status: 409 });
    await expectNothingIssued(node, pass);

    const record = await anotherInstance(node).facade.issuance.issue(officer, pending);
    expect(record.holder.name).to.equal("李更正");
  });
});
