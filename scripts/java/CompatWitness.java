// The witness for kefgen's schema-evolution rules: Java Avro's own SchemaCompatibility judges each change of a
// table (fixtures/compat/changes.json) in both directions, and prints its verdicts as JSON on stdout.
//
//   java -cp "<avro jars>/*" scripts/java/CompatWitness.java fixtures/compat/changes.json
//
// BACKWARD: the new schema reads data written with the old one. FORWARD: the old schema reads the new data.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityResult;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

public class CompatWitness {
  public static void main(String[] args) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    JsonNode table = mapper.readTree(new File(args[0]));
    ArrayNode out = mapper.createArrayNode();
    for (JsonNode row : table) {
      // A parser per schema: the old and the new version may define the same names.
      Schema oldSchema = new Schema.Parser().parse(mapper.writeValueAsString(row.get("old")));
      Schema newSchema = new Schema.Parser().parse(mapper.writeValueAsString(row.get("new")));
      ObjectNode verdict = out.addObject();
      verdict.put("change", row.get("change").asText());
      verdict.set("backward", judge(mapper, newSchema, oldSchema));
      verdict.set("forward", judge(mapper, oldSchema, newSchema));
    }
    System.out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(out));
  }

  private static ObjectNode judge(ObjectMapper mapper, Schema reader, Schema writer) {
    SchemaCompatibilityResult result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult();
    ObjectNode node = mapper.createObjectNode();
    node.put("compatible", result.getCompatibility() == SchemaCompatibilityType.COMPATIBLE);
    ArrayNode problems = node.putArray("problems");
    for (SchemaCompatibility.Incompatibility i : result.getIncompatibilities()) {
      problems.add(i.getType() + " at " + i.getLocation() + ": " + i.getMessage());
    }
    return node;
  }
}
