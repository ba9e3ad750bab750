import { expect } from "chai";
import { FilingDetails, Officer } from "../../../server/contracts/exchange-messages.js";
import { personName, typedCode } from "../../../server/contracts/validation.js";
import { fullWidth } from "../../helpers/typed-text.js";

describe("text people type: codes and names (contracts/validation)", () => {
  it("when a code is typed in full width with ideographic spaces around it, then it is the ASCII code, trimmed", () => {
    expect(
      typedCode()
        .toUpperCase()
        .parse(`\u3000${fullWidth("32010219940514324x")}\u3000`),
    ).to.equal("32010219940514324X");
    expect(typedCode().parse(fullWidth("139 1234 5678"))).to.equal("139 1234 5678");
    // Chinese text is left as it is (NFKC changes compatibility forms only).
    expect(typedCode().parse("林伟")).to.equal("林伟");
  });

  it("when a name holds a control, format or separator character, then it is refused; a plain name or a minority name with its dot is kept", () => {
    const name = personName(1, 50);
    for (const bad of ["赵\u200b六", "\u202e赵六", "赵\u2066六", "赵\u0007六", "赵\u2028六", "赵\ufeff六"])
      expect(name.safeParse(bad).success, JSON.stringify(bad)).to.equal(false);
    expect(name.parse(" 买买提·艾力 ")).to.equal("买买提·艾力");
    expect(name.parse("赵六")).to.equal("赵六");
  });

  it("when a name's separator dot is typed as another dot or with spaces, or a two-character name is padded, then it is the one spelling; Latin names keep theirs", () => {
    const name = personName(1, 50);
    for (const typed of [
      "买买提•艾力",
      "买买提・艾力",
      "买买提 · 艾力",
      "买买提．艾力",
      "买买提.艾力",
      "买买提‧艾力",
    ])
      expect(name.parse(typed), typed).to.equal("买买提\u00b7艾力");
    expect(name.parse("王　芳")).to.equal("王芳");
    expect(name.parse("王  芳")).to.equal("王芳");
    expect(name.parse("John Smith")).to.equal("John Smith");
    expect(name.parse("J.Smith")).to.equal("J.Smith");
    // Only between Chinese characters: a dot at either end is not a separator and stays as typed.
    expect(name.parse("·买买提")).to.equal("·买买提");
  });

  it("when a filing's codes are typed in lower case or full width, then they are stored as the codes they stand for", () => {
    const details = FilingDetails.parse({
      employer: { name: "南京某运输有限公司", creditCode: fullWidth("91320100mA1abcde2x") },
      startDate: "2026-11-01",
      categoryCode: "02001",
      licence: { number: fullWidth("32010219940514324x"), class: "a2" },
      contact: { phone: fullWidth("025-8888 6666") },
    });
    expect(details.employer.creditCode).to.equal("91320100MA1ABCDE2X");
    expect(details.licence).to.deep.equal({ number: "32010219940514324X", class: "A2" });
    expect(details.contact.phone).to.equal("025-8888 6666");
  });

  it("when a name another province reads (an employer, an officer) holds an invisible character, then the message is refused", () => {
    const filing = (employerName: string) =>
      FilingDetails.safeParse({
        employer: { name: employerName, creditCode: "91320100MA1ABCDE2X" },
        startDate: "2026-11-01",
        categoryCode: "02001",
        licence: { number: "320102199001011234", class: "A2" },
        contact: { phone: "025-88886666" },
      });
    expect(filing("南京某运输有限公司").success).to.equal(true);
    expect(filing("南京某运输\u200b有限公司").success).to.equal(false);
    expect(Officer.safeParse({ id: "u1", name: "王\u202e明", divisionCode: "320100" }).success).to.equal(
      false,
    );
    expect(Officer.safeParse({ id: "u1", name: "王明", divisionCode: "320100" }).success).to.equal(true);
  });
});
