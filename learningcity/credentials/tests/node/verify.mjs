// An independent verifier: Digital Bazaar's @digitalbazaar/vc with the eddsa-rdfc-2022
// cryptosuite, offline. Usage: node verify.mjs CREDENTIAL.json DOCS_DIR CONTEXTS_DIR
// DOCS_DIR holds issuer controller documents and status lists (each with its own `id`);
// CONTEXTS_DIR holds the JSON-LD contexts and index.json (URL -> file). Nothing is fetched.
// Prints {"verified": bool, "revoked": bool, "error": "..."}; exits 0 only when verified.
import {readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {gunzipSync} from 'node:zlib';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';

const [credentialFile, docsDir, contextsDir] = process.argv.slice(2);
const read = path => JSON.parse(readFileSync(path, 'utf8'));

const documents = new Map();
const index = read(join(contextsDir, 'index.json'));
for(const [url, file] of Object.entries(index)) {
  documents.set(url, read(join(contextsDir, file)));
}
for(const file of readdirSync(docsDir).filter(f => f.endsWith('.json'))) {
  const doc = read(join(docsDir, file));
  if(typeof doc.id === 'string') {
    documents.set(doc.id, doc);
  }
}

const documentLoader = async url => {
  const [base, fragment] = url.split('#');
  const doc = documents.get(base);
  if(!doc) {
    throw new Error(`refused to load ${url}`);
  }
  if(fragment === undefined) {
    return {contextUrl: null, documentUrl: url, document: doc};
  }
  const method = (doc.verificationMethod || []).find(m => m.id === url);
  if(!method) {
    throw new Error(`no verification method ${url}`);
  }
  return {
    contextUrl: null,
    documentUrl: url,
    document: {'@context': 'https://w3id.org/security/multikey/v1', ...method}
  };
};

const suite = () => new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});

let revoked = false;
const checkStatus = async ({credential}) => {
  const entries = [].concat(credential.credentialStatus || []);
  for(const entry of entries) {
    const {document: list} = await documentLoader(entry.statusListCredential);
    const listResult = await vc.verifyCredential({
      credential: list, suite: suite(), documentLoader,
      checkStatus: async () => ({verified: true})
    });
    if(!listResult.verified) {
      return {verified: false, error: new Error('status list does not verify')};
    }
    const encoded = list.credentialSubject.encodedList;
    const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
    const i = Number(entry.statusListIndex);
    if(bits[Math.floor(i / 8)] & (0x80 >> (i % 8))) {
      revoked = true;
      return {verified: false, error: new Error('revoked')};
    }
  }
  return {verified: true};
};

const credential = read(credentialFile);
try {
  const result = await vc.verifyCredential({
    credential, suite: suite(), documentLoader, checkStatus
  });
  const error = result.error ?
    [].concat(result.error.errors || result.error).map(e => e.message).join('; ') : '';
  console.log(JSON.stringify({verified: result.verified, revoked, error}));
  process.exit(result.verified ? 0 : 1);
} catch(e) {
  console.log(JSON.stringify({verified: false, revoked, error: String(e && e.message || e)}));
  process.exit(1);
}
