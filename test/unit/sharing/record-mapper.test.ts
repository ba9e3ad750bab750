import { expect } from "chai";
import type { CertificateRecord } from "../../../server/contracts/certificates.js";
import type { DomainEvents } from "../../../server/contracts/domain-events.js";
import { certificateRecord, passRecord, toUpdateTime } from "../../../server/sharing/record-mapper.js";

/**
 * The hub's collection interface takes dates and UpdateTime in Beijing time (MOT's specs), whatever
 * zone the node's machine runs in: 16:30 UTC on 6 December is 00:30 on 7 December there.
 */
const JUST_AFTER_MIDNIGHT_BEIJING = "2026-12-06T16:30:05.000Z";

function aPass(submittedAt: string): DomainEvents["exam.passed"] {
  return {
    attemptId: "a1",
    candidateId: "c1",
    idNumber: "32010219900101123x",
    name: "张三",
    categoryCode: "01001",
    sessionId: "s1",
    score: 95,
    passMark: 90,
    submittedAt,
    chainHash: "ab".repeat(32),
    provinceCode: "320000",
  };
}

function aCertificate(issuedAt: string): CertificateRecord {
  return {
    provinceCode: "320000",
    certificateNo: "32010219900101123X",
    version: 1,
    serial: "32010219900101123X-01",
    holder: {
      name: "张三",
      sex: "male",
      birthDate: "1990-01-01",
      idNumber: "32010219900101123X",
      nationality: "中国",
      addressDivisionCode: "320102",
      licenceClass: "A1",
      licenceFirstIssuedOn: "2012-05-01",
    },
    categories: [
      {
        code: "01001",
        name: "经营性道路旅客运输驾驶员",
        firstIssuedOn: "2026-12-07",
        attemptId: "a1",
        chainHash: "ab".repeat(32),
      },
    ],
    issuingAuthority: { divisionCode: "320100", name: "南京市交通运输局" },
    firstIssuedOn: "2026-12-07",
    issuedAt,
    validFrom: "2026-12-07",
    validTo: "2032-12-06",
    status: "valid",
    statusReason: null,
    statusChangedAt: issuedAt,
    statusIndex: 7,
    updatedAt: issuedAt,
  };
}

describe("records for the hub's collection interface", () => {
  const machineZone = process.env.TZ;
  before(() => {
    process.env.TZ = "America/New_York";
  });
  after(() => {
    if (machineZone === undefined) delete process.env.TZ;
    else process.env.TZ = machineZone;
  });

  it("when a pass is submitted at 00:30 Beijing time, then its record is dated that Beijing day and stamped with that wall time", () => {
    const r = passRecord(aPass(JUST_AFTER_MIDNIGHT_BEIJING));
    expect(r.exam?.passedOn).to.equal("2026-12-07");
    expect(r.updateTime).to.equal("20261207003005");
  });

  it("when a pass is submitted at 23:59 Beijing time, then its record keeps that day", () => {
    const r = passRecord(aPass("2026-12-06T15:59:59.000Z"));
    expect(r.exam?.passedOn).to.equal("2026-12-06");
    expect(r.updateTime).to.equal("20261206235959");
  });

  it("when a certificate is issued at 00:30 Beijing time, then its record's issue date is that Beijing day", () => {
    const r = certificateRecord({
      record: aCertificate(JUST_AFTER_MIDNIGHT_BEIJING),
      signature: {} as DomainEvents["certificate.issued"]["signature"],
      kind: "first_issue",
      flag: 1,
    });
    expect(r.certificate?.issueDate).to.equal("2026-12-07");
    expect(r.updateTime).to.equal(toUpdateTime(new Date(JUST_AFTER_MIDNIGHT_BEIJING)));
    expect(r.updateTime).to.equal("20261207003005");
  });
});
