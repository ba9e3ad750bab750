import { expect } from "chai";
import { MAX_PHOTO_BYTES } from "../../../server/contracts/registration.js";
import { photoFileProblem, replacePhotoNote } from "../../../client/src/features/registration/photo-file.js";

describe("a registration photo picked in the browser", () => {
  it("when it is a JPEG or PNG within the size bound, then it is taken", () => {
    expect(photoFileProblem({ type: "image/jpeg", size: 20_000 })).to.equal(null);
    expect(photoFileProblem({ type: "image/png", size: MAX_PHOTO_BYTES })).to.equal(null);
  });

  it("when it is another type or over the bound, then it is refused with the registration's words", () => {
    expect(photoFileProblem({ type: "image/gif", size: 100 })).to.equal("仅支持 JPEG 或 PNG 照片");
    expect(photoFileProblem({ type: "image/jpeg", size: MAX_PHOTO_BYTES + 1 })).to.equal(
      `照片不能超过 ${MAX_PHOTO_BYTES / 1024} KB`,
    );
  });
});

describe("更换照片's confirmation", () => {
  it("when the candidate has a photo, then it names them and says the earlier photo is kept", () => {
    const note = replacePhotoNote({ name: "孙换照", photoId: "p1" });
    expect(note).to.include("孙换照").and.include("原照片");
  });

  it("when the candidate has none (a bulk import), then it says the photo is added", () => {
    expect(replacePhotoNote({ name: "钱导照", photoId: null }))
      .to.include("登记照片")
      .and.not.include("原照片");
  });
});
