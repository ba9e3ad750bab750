/**
 * A fault that rejects a whole uploaded file (malformed XML or CSV quoting, an undecodable
 * encoding, a file that is not a workbook); thrown by the streaming readers in this folder and in
 * the importers, and turned into a report by whoever reads the file.
 */
export class FileRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FileRefusal";
  }
}
