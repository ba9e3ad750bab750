import { MongoClient, ObjectId, Binary, UUID } from "mongodb";
import { startStandin } from "./index.js";
const s = await startStandin({ port: 0 });
const c = await new MongoClient(s.uri).connect();
const coll = c.db("p").collection("x");
const a = new ObjectId(),
  b = new ObjectId(),
  d = new ObjectId();
await coll.insertMany([
  { org: a, u: new UUID(), n: 1 },
  { org: b, n: 2 },
  { org: a, n: 3 },
  { org: d, n: 4 },
]);
console.log("in", await coll.countDocuments({ org: { $in: [a, b] } }));
console.log("nin", await coll.countDocuments({ org: { $nin: [a] } }));
console.log("ne", await coll.countDocuments({ org: { $ne: a } }));
console.log(
  "group",
  await coll.aggregate([{ $group: { _id: "$org", n: { $sum: 1 } } }, { $sort: { n: -1 } }]).toArray(),
);
console.log("distinct", await coll.distinct("org"));
console.log(
  "sort",
  (await coll.find().sort({ org: 1, n: -1 }).toArray()).map((x) => x.n),
);
console.log("exists", await coll.countDocuments({ u: { $exists: true } }));
console.log("type", await coll.countDocuments({ org: { $type: "objectId" } }));
console.log("elem", await coll.countDocuments({ org: { $eq: a } }));
const u = (await coll.findOne({ n: 1 }))!.u as Binary;
console.log("uuid eq", await coll.countDocuments({ u }));
await coll.updateOne(
  { n: 1 },
  { $currentDate: { at: true }, $max: { n: 5 }, $addToSet: { tags: { $each: ["a", "b", "a"] } } },
);
console.log(await coll.findOne({ n: 5 }));
await c.close();
await s.stop();
