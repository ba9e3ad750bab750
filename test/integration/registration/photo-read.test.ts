import { expect } from "chai";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { registerTestCandidate, TEST_PHOTO } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

const officer: AuthUser = {
  id: "test-officer",
  kind: "staff",
  roles: ["officer"],
  displayName: "测试",
  divisionCode: "320100",
  provinceCode: "320000",
};

/**
 * The registration reads are spread into the service: a read that reached another through `this`
 * worked only when called as the service's method, never when passed on as a function.
 */
describe("registration: the photo read", () => {
  const env = useTestNode();

  it("when the photo read is called apart from the service, then it still answers the registration photo", async () => {
    const candidate = await registerTestCandidate(env.node, { divisionCode: "320100" });
    // Taken off the service on purpose: the read must not depend on what `this` is.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const { getPhotoFor } = createRegistrationService(env.node.ctx.conn, {
      timeZone: env.node.ctx.config.timeZone,
      provinceCode: env.node.ctx.config.provinceCode,
    });
    const photo = await getPhotoFor(officer, candidate.id);
    expect(photo.mimeType).to.equal("image/jpeg");
    expect(photo.data.equals(Buffer.from(TEST_PHOTO.dataBase64, "base64"))).to.equal(true);
  });
});
