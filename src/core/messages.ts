/**
 * Importing this module registers every feature's message catalogue (en + zh-cn).
 * Front doors import it once; each feature adds its own `messages.ts` to the list.
 */
import './cli-messages';
import './catalog/messages';
import './analysis/messages';
import './quantize/messages';
import './layer/messages';
import './modelDir/messages';
import './generate/messages';
import './generate/onnx/messages';
import './rewrite/messages';
import './generate/cpp/messages';
