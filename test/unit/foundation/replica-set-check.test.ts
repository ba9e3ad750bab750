import { expect } from "chai";
import { replicaSetProblem } from "../../../server/lib/mongo.js";

describe("database deployment check (hello)", () => {
  it("when hello names a replica set, then the database can carry a node", () => {
    expect(replicaSetProblem({ isWritablePrimary: true, setName: "rs0" })).to.equal(null);
    // The project's stand-in answers as a one-member replica set.
    expect(replicaSetProblem({ isWritablePrimary: true, setName: "standin" })).to.equal(null);
  });

  it("when hello comes from a mongos, then the database can carry a node", () => {
    expect(replicaSetProblem({ isWritablePrimary: true, msg: "isdbgrid" })).to.equal(null);
  });

  it("when hello is a standalone mongod's, then the reason says transactions need a replica set and how to get one", () => {
    const problem = replicaSetProblem({ isWritablePrimary: true, maxWireVersion: 21 });
    expect(problem).to.include("not a replica set").and.to.include("--replSet");
    expect(replicaSetProblem({ setName: "" })).to.be.a("string");
  });
});
